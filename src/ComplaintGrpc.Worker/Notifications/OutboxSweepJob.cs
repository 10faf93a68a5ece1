using Dapper;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace ComplaintGrpc.Worker.Notifications;

/// <summary>
/// Moves the outbox along, a batch per firing:
/// 1. notifications whose hold has passed get one delivery row per channel configured for their recipient
///    (committed first, so a delivery job can never start before its row exists);
/// 2. undelivered deliveries are claimed and handed to Hangfire, one job each; the job locks its row, so it waits
///    for this claim to commit.
/// Rows are claimed with <c>FOR UPDATE SKIP LOCKED</c>, so concurrent sweeps on several workers never take the same
/// row. Guarantee: at least once. If the commit is lost after the enqueue, the delivery is handed over again after
/// <see cref="WorkerOptions.RedeliverAfter"/>; a delivery already made is not repeated.
/// </summary>
[DisallowConcurrentExecution]
public sealed class OutboxSweepJob(NpgsqlDataSource db, IBackgroundJobClient jobs, TimeProvider clock,
    IOptions<WorkerOptions> worker, IOptions<NotificationOptions> notifications, IEnumerable<INotificationChannel> channels,
    ILogger<OutboxSweepJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var byName = channels.ToDictionary(c => c.Name);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);

        var due = await connection.QueryAsync<(Guid Id, string HandlerId, string Email)>(new CommandDefinition("""
            SELECT n.id, n.handler_id, h.email FROM notifications n JOIN handlers h ON h.handler_id = n.handler_id
            WHERE n.fanned_out_at IS NULL AND n.deliver_after <= @now
            ORDER BY n.deliver_after
            LIMIT @batch
            FOR UPDATE OF n SKIP LOCKED
            """, new { now, batch = worker.Value.OutboxBatchSize }, tx, cancellationToken: cancellationToken));
        foreach (var (id, handlerId, email) in due)
        {
            var names = notifications.Value.ChannelsFor(handlerId)
                .Where(name => byName.TryGetValue(name, out var channel) && channel.CanReach(email))
                .ToArray();
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO notification_deliveries (notification_id, channel, handler_id, created_at)
                SELECT @id, unnest(@names), @handlerId, @now
                ON CONFLICT DO NOTHING;
                UPDATE notifications SET fanned_out_at = @now WHERE id = @id;
                """, new { id, names, handlerId, now }, tx, cancellationToken: cancellationToken));
        }

        await tx.CommitAsync(cancellationToken);

        await using var claim = await connection.BeginTransactionAsync(cancellationToken);
        var handOver = (await connection.QueryAsync<(Guid NotificationId, string Channel)>(new CommandDefinition("""
            WITH pending AS (
                SELECT notification_id, channel FROM notification_deliveries
                WHERE delivered_at IS NULL AND (enqueued_at IS NULL OR enqueued_at < @redeliverBefore)
                ORDER BY created_at
                LIMIT @batch
                FOR UPDATE SKIP LOCKED)
            UPDATE notification_deliveries d SET enqueued_at = @now
            FROM pending p WHERE d.notification_id = p.notification_id AND d.channel = p.channel
            RETURNING d.notification_id, d.channel
            """,
            new { now, redeliverBefore = now - worker.Value.RedeliverAfter, batch = worker.Value.OutboxBatchSize },
            claim, cancellationToken: cancellationToken))).ToList();
        foreach (var (notificationId, channel) in handOver)
            jobs.Enqueue<NotificationDelivery>(d => d.DeliverAsync(notificationId, channel, CancellationToken.None));
        await claim.CommitAsync(cancellationToken);
        if (handOver.Count > 0)
            WorkerLog.OutboxHandedOver(logger, handOver.Count);
    }
}
