using System.Diagnostics;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.Storage;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace ComplaintGrpc.Worker.TimeLimits;

/// <summary>
/// Acts on the clocks whose next milestone has come, in set-based batches, each batch one transaction: lock up to
/// <see cref="WorkerOptions.ClockBatchSize"/> cases with due clocks (<c>SKIP LOCKED</c>: a case a server step or another
/// worker holds is left for a later batch), load their due clocks with case and unit columns in one query and the
/// heads of every unit involved in another, plan with <see cref="ClockEnforcement"/>, then write the history events,
/// the notifications and the clocks' new records with one multi-row statement each. Batches repeat until nothing is
/// due, so a worker that was down catches up in one sweep, bounded by <see cref="WorkerOptions.DeadlineSweepMaxRun"/>
/// per firing. A batch that fails rolls back whole: its clocks stay due, the failure is logged and the next firing
/// tries again.
/// </summary>
[DisallowConcurrentExecution]
public sealed class DeadlineSweepJob(NpgsqlDataSource db, TimeProvider clock, IOptions<MilestoneOptions> milestones,
    IOptions<WorkerOptions> options, ILogger<DeadlineSweepJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await SweepAsync(cancellationToken);

    /// <summary>Runs batches until nothing is due (or the firing's time is up); returns the number of clocks acted on.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var (clocks, cases) = (0, 0);
        while (!ct.IsCancellationRequested && Stopwatch.GetElapsedTime(started) < options.Value.DeadlineSweepMaxRun)
        {
            var (batchClocks, batchCases) = await RunBatchAsync(ct);
            if (batchCases == 0)
                break;
            (clocks, cases) = (clocks + batchClocks, cases + batchCases);
        }
        if (clocks > 0)
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            var elapsedMs = (long)elapsed.TotalMilliseconds;
            var rate = clocks / Math.Max(elapsed.TotalSeconds, 0.001);
            WorkerLog.ClocksEnforced(logger, clocks, cases, elapsedMs, rate);
        }
        return clocks;
    }

    private async Task<(int Clocks, int Cases)> RunBatchAsync(CancellationToken ct)
    {
        try
        {
            // Stored precision, so that the enforced_at watermark stored covers exactly the reminders acted on.
            var now = clock.GetUtcNow().ToStoredPrecision();
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            var held = await CaseLocks.ClaimDueAsync(connection, tx, now, options.Value.ClockBatchSize, ct);
            if (held.CaseIds.Count == 0)
                return (0, 0);
            var due = await CaseClocksTable.LoadDueAsync(held, now, ct);
            var heads = (await connection.QueryAsync<(string UnitId, string HandlerId)>(new CommandDefinition("""
                SELECT unit_id, handler_id FROM handlers
                WHERE unit_id = ANY(@units) AND role = @role AND active
                ORDER BY unit_id, handler_id
                """, new { units = ClockEnforcement.UnitsInvolved(due), role = HandlerRole.Supervisor.ToString() }, tx, cancellationToken: ct)))
                .ToLookup(h => h.UnitId, h => h.HandlerId);

            var plan = ClockEnforcement.Plan(due, heads, now, milestones.Value);
            await CaseEvents.AppendAsync(connection, tx, plan.Events, ct);
            await Outbox.RaiseAsync(connection, tx, plan.Notifications, ct);
            await CaseClocksTable.RecordEnforcementAsync(held, now, plan.Clocks, ct);
            await tx.CommitAsync(ct);
            foreach (var (row, dueAt) in plan.Breaches)
                WorkerLog.ClockBreached(logger, row.CaseNumber, row.Clock, dueAt);
            return (due.Count, held.CaseIds.Count);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            WorkerLog.DeadlineBatchFailed(logger, e);
            throw;
        }
    }
}
