using ComplaintGrpc.Domain.Intake;
using ComplaintGrpc.Storage;
using ComplaintGrpc.Storage.Telemetry;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Worker.Notifications;

/// <summary>
/// Delivers one notification over one channel (a Hangfire job; failures are retried with Hangfire's back-off and
/// show in the dashboard). Safe to run twice: a delivery already marked delivered is not sent again. For an
/// external channel a crash between sending and marking can repeat a send; receivers deduplicate on the
/// notification id, which every channel carries. The delivery row is locked for the run: a job that starts before
/// the sweep that enqueued it has committed waits for that commit instead of missing the row, and two runs of one
/// delivery never send at the same time.
/// </summary>
public sealed class NotificationDelivery(NpgsqlDataSource db, TimeProvider clock, IEnumerable<INotificationChannel> channels,
    ILogger<NotificationDelivery> logger)
{
    /// <summary>
    /// Delivers a batch handed over by one outbox sweep over one channel (one Hangfire job for the batch, not one per
    /// delivery). A failing delivery does not stop the rest; the job then fails with every failure, so Hangfire retries
    /// it, and the retry skips what was delivered.
    /// </summary>
    public async Task DeliverBatchAsync(Guid[] notificationIds, string channel, CancellationToken cancellationToken)
    {
        var failures = new List<Exception>();
        foreach (var id in notificationIds)
        {
            try
            {
                await DeliverAsync(id, channel, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                failures.Add(ex);
            }
        }
        if (failures.Count > 0)
            throw new AggregateException($"{failures.Count} of {notificationIds.Length} {channel} deliveries failed; the retry skips the delivered ones.", failures);
    }

    public async Task DeliverAsync(Guid notificationId, string channel, CancellationToken cancellationToken)
    {
        var sender = channels.SingleOrDefault(c => c.Name == channel)
            ?? throw new InvalidOperationException($"No notification channel named {channel} is configured in this worker.");
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var message = await connection.QuerySingleOrDefaultAsync<MessageRow>(new CommandDefinition("""
            SELECT n.id AS notification_id, n.handler_id, h.name AS handler_name, h.email AS handler_email, n.kind,
                   n.complaint_id, c.case_number, c.customer_phone, n.text, n.created_at
            FROM notification_deliveries d
            JOIN notifications n ON n.id = d.notification_id
            JOIN handlers h ON h.handler_id = n.handler_id
            JOIN complaints c ON c.id = n.complaint_id
            WHERE d.notification_id = @notificationId AND d.channel = @channel AND d.delivered_at IS NULL
            FOR UPDATE OF d
            """, new { notificationId, channel }, tx, cancellationToken: cancellationToken));
        if (message is null)
        {
            WorkerLog.NotificationAlreadyDelivered(logger, notificationId, channel);
            return;
        }
        using var caseScope = CaseLogScope.Begin(logger, message.CaseNumber);

        try
        {
            await sender.SendAsync(message.ToMessage(), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE notification_deliveries SET attempts = attempts + 1, last_error = @error
                WHERE notification_id = @notificationId AND channel = @channel
                """, new { notificationId, channel, error = ex.Message }, tx, cancellationToken: cancellationToken));
            await tx.CommitAsync(cancellationToken);
            ComplaintTelemetry.DeliveryFailed.Add(1, ComplaintTelemetry.Tag("channel", channel));
            throw;
        }

        var marked = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE notification_deliveries SET delivered_at = @now, attempts = attempts + 1, last_error = NULL,
                delivered_seq = nextval('inbox_delivery_seq')
            WHERE notification_id = @notificationId AND channel = @channel AND delivered_at IS NULL
            """, new { notificationId, channel, now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: cancellationToken));
        // Wakes WatchNotifications streams in the server; PostgreSQL sends it at commit.
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_notify('notification_delivered', @handlerId)",
            new { handlerId = message.HandlerId }, tx, cancellationToken: cancellationToken));
        await tx.CommitAsync(cancellationToken);
        if (marked == 1)
        {
            ComplaintTelemetry.Delivered.Add(1, ComplaintTelemetry.Tag("channel", channel));
            WorkerLog.NotificationDelivered(logger, notificationId, channel, message.HandlerId);
        }
    }

    private sealed class MessageRow
    {
        public Guid NotificationId { get; init; }
        public string HandlerId { get; init; } = "";
        public string HandlerName { get; init; } = "";
        public string HandlerEmail { get; init; } = "";
        public string Kind { get; init; } = "";
        public Guid ComplaintId { get; init; }
        public string CaseNumber { get; init; } = "";
        public string CustomerPhone { get; init; } = "";
        public string Text { get; init; } = "";
        public DateTime CreatedAt { get; init; }

        public NotificationMessage ToMessage() => new(NotificationId, HandlerId, HandlerName, HandlerEmail, Kind, ComplaintId,
            CaseNumber, ComplaintIntake.MaskPhone(CustomerPhone), Text, CreatedAt.AsUtc());
    }
}
