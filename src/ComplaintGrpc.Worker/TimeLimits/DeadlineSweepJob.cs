using Dapper;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace ComplaintGrpc.Worker.TimeLimits;

/// <summary>
/// Finds the clocks that need attention (<c>next_action_at</c> passed; one indexed range scan, so the cost follows
/// the number of clocks due, not of open cases) and hands each to Hangfire as a <see cref="ClockEnforcement"/> job.
/// A claimed clock is leased: its <c>next_action_at</c> moves <see cref="WorkerOptions.ClockLease"/> ahead, so if its
/// job is lost the clock is claimed again then. Batches repeat until nothing is due, so a worker that was down for
/// an hour catches up in one sweep. Rows are claimed with FOR UPDATE SKIP LOCKED: several workers never claim the
/// same clock at once, and the enforcement job is idempotent anyway.
/// </summary>
[DisallowConcurrentExecution]
public sealed class DeadlineSweepJob(NpgsqlDataSource db, IBackgroundJobClient jobs, TimeProvider clock, IOptions<WorkerOptions> options,
    ILogger<DeadlineSweepJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var batch = options.Value.ClockBatchSize;
        var total = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            var claimed = (await connection.QueryAsync<(Guid ComplaintId, string Clock)>(new CommandDefinition("""
                WITH due AS (
                    SELECT complaint_id, clock FROM case_clocks
                    WHERE next_action_at <= @now
                    ORDER BY next_action_at
                    LIMIT @batch
                    FOR UPDATE SKIP LOCKED)
                UPDATE case_clocks c SET next_action_at = @leaseUntil
                FROM due WHERE c.complaint_id = due.complaint_id AND c.clock = due.clock
                RETURNING c.complaint_id, c.clock
                """, new { now, batch, leaseUntil = now + options.Value.ClockLease }, tx, cancellationToken: cancellationToken))).ToList();
            foreach (var (complaintId, clockName) in claimed)
                jobs.Enqueue<ClockEnforcement>(e => e.ActAsync(complaintId, clockName, CancellationToken.None));
            await tx.CommitAsync(cancellationToken);
            total += claimed.Count;
            if (claimed.Count < batch)
                break;
        }
        if (total > 0)
            WorkerLog.ClocksHandedOver(logger, total);
    }
}
