using Dapper;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace ComplaintGrpc.Worker.Notifications;

/// <summary>
/// Hands undelivered notifications from the outbox to Hangfire, a batch per firing. Rows are claimed with
/// <c>FOR UPDATE SKIP LOCKED</c> and marked in the same transaction that enqueues them, so concurrent sweeps never
/// take the same row. Guarantee: at least once. If the commit is lost after the enqueue, the row is handed over
/// again after <see cref="WorkerOptions.RedeliverAfter"/>; delivery is idempotent, so the handler sees it once.
/// </summary>
[DisallowConcurrentExecution]
public sealed class OutboxSweepJob(NpgsqlDataSource db, IBackgroundJobClient jobs, TimeProvider clock,
    IOptions<WorkerOptions> options, ILogger<OutboxSweepJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        var ids = (await connection.QueryAsync<Guid>(new CommandDefinition("""
            WITH due AS (
                SELECT id FROM notifications
                WHERE delivered_at IS NULL AND (enqueued_at IS NULL OR enqueued_at < @redeliverBefore)
                ORDER BY created_at
                LIMIT @batch
                FOR UPDATE SKIP LOCKED)
            UPDATE notifications n SET enqueued_at = @now FROM due WHERE n.id = due.id
            RETURNING n.id
            """,
            new { now = now.UtcDateTime, redeliverBefore = (now - options.Value.RedeliverAfter).UtcDateTime, batch = options.Value.OutboxBatchSize },
            tx, cancellationToken: cancellationToken))).ToList();

        foreach (var id in ids)
            jobs.Enqueue<NotificationDelivery>(d => d.DeliverAsync(id, CancellationToken.None));
        await tx.CommitAsync(cancellationToken);
        if (ids.Count > 0)
            WorkerLog.OutboxHandedOver(logger, ids.Count);
    }
}
