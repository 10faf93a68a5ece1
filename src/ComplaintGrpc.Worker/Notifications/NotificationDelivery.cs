using Dapper;
using Npgsql;

namespace ComplaintGrpc.Worker.Notifications;

/// <summary>
/// Delivers one notification to the handler's in-service inbox (it becomes visible to ListNotifications).
/// Safe to run twice: only the first run changes the row; a second finds it delivered and does nothing.
/// Hangfire retries a failed run with back-off (its default automatic retry).
/// </summary>
public sealed class NotificationDelivery(NpgsqlDataSource db, TimeProvider clock, ILogger<NotificationDelivery> logger)
{
    public async Task DeliverAsync(Guid notificationId, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var handlerId = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition("""
            UPDATE notifications SET delivered_at = @now WHERE id = @notificationId AND delivered_at IS NULL
            RETURNING handler_id
            """, new { notificationId, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: cancellationToken));
        if (handlerId is null)
            WorkerLog.NotificationAlreadyDelivered(logger, notificationId);
        else
            WorkerLog.NotificationDelivered(logger, notificationId, handlerId);
    }
}
