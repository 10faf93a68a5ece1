using System.ComponentModel.DataAnnotations;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.Storage;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace ComplaintGrpc.Worker.Rectification;

/// <summary>Bound from <c>Rectification:*</c> (with the domain's <c>Rectification:EvaluationDays</c>).</summary>
public sealed class RectificationWorkOptions
{
    /// <summary>How often the evaluation job looks for completed rectifications whose "after" period has passed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rectifications whose clock is acted on per batch (one transaction).</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 200;

    /// <summary>Rectifications evaluated per batch (one transaction). Each one's two counts read the complaints received
    /// in its periods through the received_at index (measured: about 120 ms per rectification with 500,000 cases over
    /// six months), so a small batch keeps the transaction, and the row locks it holds, short.</summary>
    [Range(1, 1_000)]
    public int EvaluationBatchSize { get; set; } = 20;
}

/// <summary>
/// The rectifications' clock: one Quartz job (on the deadline sweep's interval) that acts on every rectification whose
/// next milestone has come, in batches of <see cref="RectificationWorkOptions.BatchSize"/>, each one transaction: claim
/// the due rows (<c>FOR UPDATE SKIP LOCKED</c>, one range scan of the <c>next_action_at</c> index; a row a server write
/// holds is left for a later batch), load the supervisors of every unit involved, plan with
/// <see cref="RectificationEnforcement"/>, then raise the notifications (outbox) and record the clocks, one multi-row
/// statement each. A batch that fails rolls back whole (its clocks stay due); its rows are then tried one per transaction
/// and one that still fails is set aside for <see cref="WorkerOptions.ClockRetryAfter"/>, so one bad row never stops the
/// sweep. Notifications are raised at least once per attempt and stored exactly once (their dedup keys).
/// </summary>
[DisallowConcurrentExecution]
public sealed class RectificationSweepJob(NpgsqlDataSource db, TimeProvider clock, IOptions<MilestoneOptions> milestones,
    IOptions<RectificationWorkOptions> options, IOptions<WorkerOptions> worker, ILogger<RectificationSweepJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await SweepAsync(cancellationToken);

    /// <summary>Runs batches until nothing is due; returns the number of rectification clocks acted on.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var total = 0;
        var isolating = 0;
        while (!ct.IsCancellationRequested)
        {
            var size = isolating > 0 ? 1 : options.Value.BatchSize;
            var (count, claimed, failure) = await RunBatchAsync(size, ct);
            if (failure is not null)
            {
                if (claimed.Count == 0)
                    throw new InvalidOperationException("The rectification sweep could not claim due rows.", failure);
                if (size > 1)
                {
                    isolating = claimed.Count;
                    continue;
                }
                await SetAsideAsync(claimed[0], failure, ct);
            }
            else if (claimed.Count == 0)
            {
                break;
            }
            isolating = Math.Max(0, isolating - 1);
            total += count;
        }
        if (total > 0)
            RectificationLog.ClocksEnforced(logger, total);
        return total;
    }

    private async Task<(int Count, IReadOnlyList<Guid> Claimed, Exception? Failure)> RunBatchAsync(int size, CancellationToken ct)
    {
        IReadOnlyList<Guid> claimed = [];
        try
        {
            var now = clock.GetUtcNow().ToStoredPrecision();
            await using var connection = await db.OpenConnectionAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            var due = (await connection.QueryAsync<DueRectificationRow>(new CommandDefinition("""
                SELECT r.id, r.owner_unit_id, r.clock_round, r.opened_at, r.due_at, coalesce(r.completed_at, r.cancelled_at) AS stopped_at,
                       r.breached_at, r.escalation_level, r.enforced_at, u.time_zone, u.path AS unit_path
                FROM rectifications r JOIN units u ON u.unit_id = r.owner_unit_id
                WHERE r.next_action_at <= @now
                ORDER BY r.next_action_at LIMIT @size
                FOR UPDATE OF r SKIP LOCKED
                """, new { now = now.UtcDateTime, size }, tx, cancellationToken: ct))).ToList();
            claimed = [.. due.Select(r => r.Id)];
            if (due.Count == 0)
                return (0, [], null);
            var supervisors = (await connection.QueryAsync<(string UnitId, string HandlerId)>(new CommandDefinition("""
                SELECT unit_id, handler_id FROM handlers WHERE unit_id = ANY(@units) AND role = @role AND active ORDER BY unit_id, handler_id
                """, new { units = RectificationEnforcement.UnitsInvolved(due), role = HandlerRole.Supervisor.ToString() }, tx, cancellationToken: ct)))
                .ToLookup(h => h.UnitId, h => h.HandlerId);

            var plan = RectificationEnforcement.Plan(due, supervisors, now, milestones.Value);
            await Outbox.RaiseAsync(connection, tx, plan.Notifications, ct);
            await connection.ExecuteAsync(new CommandDefinition("""
                UPDATE rectifications r SET breached_at = v.breached_at, escalation_level = v.escalation_level, enforced_at = @now,
                    next_action_at = v.next_action_at
                FROM unnest(@ids::uuid[], @breachedAt::timestamptz[], @levels::integer[], @next::timestamptz[])
                    AS v(id, breached_at, escalation_level, next_action_at)
                WHERE r.id = v.id
                """,
                new
                {
                    now = now.UtcDateTime,
                    ids = plan.Clocks.Select(c => c.Id).ToArray(),
                    breachedAt = plan.Clocks.Select(c => c.BreachedAt?.UtcDateTime).ToArray(),
                    levels = plan.Clocks.Select(c => c.EscalationLevel).ToArray(),
                    next = plan.Clocks.Select(c => NotBefore(c.NextActionAt)).ToArray(),
                }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            foreach (var (row, dueAt) in plan.Breaches)
                RectificationLog.Breached(logger, row.Id, dueAt);
            return (due.Count, claimed, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            RectificationLog.BatchFailed(logger, claimed.Count, e);
            return (0, claimed, e);
        }
    }

    private async Task SetAsideAsync(Guid id, Exception failure, CancellationToken ct)
    {
        var until = clock.GetUtcNow().ToStoredPrecision() + worker.Value.ClockRetryAfter;
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE rectifications SET next_action_at = @until WHERE id = @id AND next_action_at IS NOT NULL",
            new { id, until = until.UtcDateTime }, cancellationToken: ct));
        RectificationLog.SetAside(logger, id, until, failure);
    }

    /// <summary>Rounded up to the microsecond (timestamptz precision), so a row is never claimed a fraction of a
    /// microsecond before its milestone falls due.</summary>
    private static DateTime? NotBefore(DateTimeOffset? at) =>
        at is { } t ? new DateTime(t.UtcTicks + (10 - t.UtcTicks % 10) % 10, DateTimeKind.Utc) : null;
}
