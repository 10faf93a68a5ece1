using Npgsql;

namespace ComplaintGrpc.Server.Notifications;

/// <summary>
/// Wakes WatchNotifications streams when the worker delivers a notification (it sends
/// <c>NOTIFY notification_delivered</c> in the delivery's transaction). One LISTEN connection serves every stream of
/// this process. A wake-up is only a hint to read again; streams also re-read every <see cref="FallbackPoll"/>, so a
/// dropped connection or a missed NOTIFY delays a notification, never loses it.
/// </summary>
public sealed partial class NotificationFeed(NpgsqlDataSource db, ILogger<NotificationFeed> logger) : BackgroundService
{
    public static readonly TimeSpan FallbackPoll = TimeSpan.FromSeconds(5);

    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next delivery, after <see cref="FallbackPoll"/>, or when the caller goes away.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Volatile.Read(ref _next).Task.WaitAsync(FallbackPoll, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => Interlocked.Exchange(ref _next, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                await using (var listen = new NpgsqlCommand("LISTEN notification_delivered", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                while (!stoppingToken.IsCancellationRequested)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or System.IO.IOException && !stoppingToken.IsCancellationRequested)
            {
                LogListenFailed(logger, ex);
                await Task.Delay(FallbackPoll, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Warning, Message = "Listening for delivered notifications failed; streams fall back to polling until it reconnects")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
