using ComplaintGrpc.Domain.Rectification;
using ComplaintGrpc.Storage;
using ComplaintGrpc.Storage.Rectification;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace ComplaintGrpc.Worker.Rectification;

/// <summary>
/// 评估: judges every completed rectification whose "after" period has passed (<c>evaluate_at</c>, partial index), in
/// batches, each one transaction: claim the rows (<c>FOR UPDATE SKIP LOCKED</c>), count the complaints in each one's
/// scope over the period before opening and the equal period after completion (one statement for the batch, the scope
/// rule of <see cref="RectificationScopeSql"/>), judge with the pure <see cref="RectificationEvaluation"/>, and record
/// the counts and the status Met / NotMet in one statement. Once per rectification: the status leaves Completed in the
/// same transaction, so a rerun or a second worker finds nothing to do.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RectificationEvaluationJob(NpgsqlDataSource db, TimeProvider clock, IOptions<RectificationWorkOptions> options,
    ILogger<RectificationEvaluationJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await EvaluateAsync(cancellationToken);

    /// <summary>Evaluates everything due; returns how many rectifications were judged.</summary>
    public async Task<int> EvaluateAsync(CancellationToken ct)
    {
        var total = 0;
        while (!ct.IsCancellationRequested)
        {
            var judged = await RunBatchAsync(ct);
            if (judged == 0)
                break;
            total += judged;
        }
        return total;
    }

    private async Task<int> RunBatchAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().ToStoredPrecision();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var due = (await connection.QueryAsync<DueEvaluation>(new CommandDefinition($"""
            WITH due AS (
                SELECT id FROM rectifications WHERE status = 'Completed' AND evaluate_at <= @now
                ORDER BY evaluate_at LIMIT @size FOR UPDATE SKIP LOCKED
            )
            SELECT r.id, r.target_reduction_percent, su.customer_count,
                (SELECT count(*)::int FROM complaints c JOIN units cu ON cu.unit_id = c.unit_id
                 WHERE c.received_at >= r.opened_at - make_interval(hours => 24 * r.evaluation_days) AND c.received_at < r.opened_at
                   AND {RectificationScopeSql.Matches("r.scope", "su.path")}) AS before_count,
                (SELECT count(*)::int FROM complaints c JOIN units cu ON cu.unit_id = c.unit_id
                 WHERE c.received_at >= r.completed_at AND c.received_at < r.completed_at + make_interval(hours => 24 * r.evaluation_days)
                   AND {RectificationScopeSql.Matches("r.scope", "su.path")}) AS after_count
            FROM due JOIN rectifications r ON r.id = due.id JOIN units su ON su.unit_id = r.scope_unit_id
            """, new { now = now.UtcDateTime, size = options.Value.EvaluationBatchSize }, tx, cancellationToken: ct))).ToList();
        if (due.Count == 0)
            return 0;
        var judged = due.Select(d => (d.Id, Outcome: RectificationEvaluation.Judge(d.BeforeCount, d.AfterCount, d.TargetReductionPercent, d.CustomerCount))).ToList();
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE rectifications r SET status = v.status, before_count = v.before_count, after_count = v.after_count,
                customer_count = v.customer_count, evaluated_at = @now, updated_at = @now, version = r.version + 1
            FROM unnest(@ids::uuid[], @statuses::text[], @before::integer[], @after::integer[], @customers::bigint[])
                AS v(id, status, before_count, after_count, customer_count)
            WHERE r.id = v.id AND r.status = 'Completed'
            """,
            new
            {
                now = now.UtcDateTime,
                ids = judged.Select(j => j.Id).ToArray(),
                statuses = judged.Select(j => j.Outcome.Met ? "Met" : "NotMet").ToArray(),
                before = judged.Select(j => j.Outcome.BeforeCount).ToArray(),
                after = judged.Select(j => j.Outcome.AfterCount).ToArray(),
                customers = judged.Select(j => j.Outcome.CustomerCount).ToArray(),
            }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        foreach (var (id, outcome) in judged)
            RectificationLog.Evaluated(logger, id, outcome.BeforeCount, outcome.AfterCount, outcome.Met);
        return due.Count;
    }

    private sealed class DueEvaluation
    {
        public Guid Id { get; init; }
        public int TargetReductionPercent { get; init; }
        public long CustomerCount { get; init; }
        public int BeforeCount { get; init; }
        public int AfterCount { get; init; }
    }
}
