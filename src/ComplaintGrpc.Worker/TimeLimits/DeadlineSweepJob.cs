using System.Diagnostics;
using System.Runtime.ExceptionServices;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.Storage;
using ComplaintGrpc.Storage.Telemetry;
using ComplaintGrpc.Worker.Telemetry;
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
/// per firing. A batch that fails rolls back whole (its clocks stay due) and is logged; its cases are then retried one
/// per transaction, and a case that still fails alone is logged and set aside for <see cref="WorkerOptions.ClockRetryAfter"/>,
/// so one bad case never stops the sweep. When the database itself fails, the firing fails and the next one retries.
/// </summary>
[DisallowConcurrentExecution]
public sealed class DeadlineSweepJob(NpgsqlDataSource db, TimeProvider clock, IOptions<MilestoneOptions> milestones,
    IOptions<WorkerOptions> options, ILogger<DeadlineSweepJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var clocks = await SweepAsync(cancellationToken);
        // Shown on the schedules page as the last run's result.
        context.Result = clocks == 1 ? "1 clock acted on" : $"{clocks} clocks acted on";
    }

    /// <summary>Runs batches until nothing is due (or the firing's time is up); returns the number of clocks acted on.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var (clocks, cases) = (0, 0);
        // After a batch fails, its cases are retried one per transaction, so that one case that cannot be acted on
        // does not hold up the rest; a case that fails alone is set aside for ClockRetryAfter.
        var isolating = 0;
        while (!ct.IsCancellationRequested && Stopwatch.GetElapsedTime(started) < options.Value.DeadlineSweepMaxRun)
        {
            var size = isolating > 0 ? 1 : options.Value.ClockBatchSize;
            var batch = await RunBatchAsync(size, ct);
            if (batch.Failure is { } failure)
            {
                if (batch.Cases.Count == 0)
                    ExceptionDispatchInfo.Throw(failure); // no case claimed: the database itself failed; the next firing retries
                if (size > 1)
                {
                    isolating = batch.Cases.Count;
                    continue;
                }
                await SetAsideAsync(batch.Cases[0], failure, ct);
            }
            else if (batch.Cases.Count == 0)
            {
                break;
            }
            isolating = Math.Max(0, isolating - 1);
            (clocks, cases) = (clocks + batch.Clocks, cases + batch.Cases.Count);
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

    /// <summary>One batch, one transaction. A failure rolls it back whole (its clocks stay due) and is returned with
    /// the cases it had claimed.</summary>
    private async Task<BatchResult> RunBatchAsync(int size, CancellationToken ct)
    {
        IReadOnlyList<Guid> claimed = [];
        try
        {
            // Stored precision, so that the enforced_at watermark stored covers exactly the reminders acted on.
            var now = clock.GetUtcNow().ToStoredPrecision();
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            var held = await CaseLocks.ClaimDueAsync(connection, tx, now, size, ct);
            claimed = held.CaseIds;
            if (claimed.Count == 0)
                return new BatchResult(0, [], null);
            using var span = await CaseTraces.StartActingOnAsync("deadline batch", connection, tx, claimed, ct);
            var due = await CaseClocksTable.LoadDueAsync(held, now, ct);
            var heads = (await connection.QueryAsync<(string UnitId, string HandlerId)>(new CommandDefinition("""
                SELECT unit_id, handler_id FROM handlers
                WHERE unit_id = ANY(@units) AND role = @role AND active
                UNION ALL
                SELECT @desk, handler_id FROM handlers
                WHERE @undispatched AND role = @role AND active AND unit_id IN (SELECT unit_id FROM units WHERE parent_unit_id IS NULL)
                ORDER BY 1, 2
                """, new
                {
                    units = ClockEnforcement.UnitsInvolved(due),
                    role = HandlerRole.Supervisor.ToString(),
                    desk = ClockEnforcement.UndispatchedDesk,
                    undispatched = ClockEnforcement.HasUndispatched(due),
                }, tx, cancellationToken: ct)))
                .ToLookup(h => h.UnitId, h => h.HandlerId);

            var plan = ClockEnforcement.Plan(due, heads, now, milestones.Value);
            await CaseEvents.AppendAsync(connection, tx, plan.Events, ct);
            await Outbox.RaiseAsync(connection, tx, plan.Notifications, ct);
            await CaseClocksTable.RecordEnforcementAsync(held, now, plan.Clocks, ct);
            await tx.CommitAsync(ct);
            DeadlineMetrics.Record(plan);
            foreach (var (row, dueAt) in plan.Breaches)
                using (CaseLogScope.Begin(logger, row.CaseNumber))
                    WorkerLog.ClockBreached(logger, row.CaseNumber, row.Clock, dueAt);
            return new BatchResult(due.Count, claimed, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            WorkerLog.DeadlineBatchFailed(logger, claimed.Count, e);
            return new BatchResult(0, claimed, e);
        }
    }

    private async Task SetAsideAsync(Guid caseId, Exception failure, CancellationToken ct)
    {
        var now = clock.GetUtcNow().ToStoredPrecision();
        var until = now + options.Value.ClockRetryAfter;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var held = await CaseLocks.LockAsync(connection, tx, [caseId], ct);
        await CaseClocksTable.SetAsideAsync(held, now, until, ct);
        await tx.CommitAsync(ct);
        WorkerLog.CaseSetAside(logger, caseId, until, failure);
    }

    private sealed record BatchResult(int Clocks, IReadOnlyList<Guid> Cases, Exception? Failure);
}
