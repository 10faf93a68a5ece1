using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Evaluation;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ComplaintGrpc.Storage.Evaluation;

/// <summary>
/// One weekly quality draw (质检抽样), set-based: one query gathers every case closed as not substantiated in the week
/// with its city and whether it is always drawn, the pure <see cref="QualitySampling.Draw"/> picks, and one INSERT
/// adds the picks to <c>quality_queue</c>. Safe to run twice for a week: an entry already there is kept as it is
/// (verdicts included), and the same seed draws the same cases from the same candidates.
/// </summary>
public sealed class QualitySampler(NpgsqlDataSource db, IOptions<SamplingOptions> options, TimeProvider clock)
{
    public TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);

    /// <summary>Draws the week starting on <paramref name="weekStart"/> (a local Monday); returns the cases drawn.</summary>
    public async Task<IReadOnlyList<DrawnCase>> RunAsync(DateOnly weekStart, CancellationToken ct)
    {
        var o = options.Value;
        var from = new DateTimeOffset(weekStart.ToDateTime(TimeOnly.MinValue), Zone.GetUtcOffset(weekStart.ToDateTime(TimeOnly.MinValue)));
        var to = new DateTimeOffset(weekStart.AddDays(7).ToDateTime(TimeOnly.MinValue), Zone.GetUtcOffset(weekStart.AddDays(7).ToDateTime(TimeOnly.MinValue)));
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var rows = await connection.QueryAsync<(Guid Id, string City, bool Regulator, bool Repeat)>(new CommandDefinition("""
            SELECT c.id,
                   coalesce(nullif(split_part(u.path, '/', 3), ''), split_part(u.path, '/', 2)),
                   c.channel = @regulator,
                   c.reopen_count > 0 OR EXISTS (
                       SELECT 1 FROM complaints o
                       WHERE c.customer_account_number <> '' AND o.customer_account_number = c.customer_account_number AND o.id <> c.id
                         AND o.received_at BETWEEN c.received_at - make_interval(days => @window) AND c.received_at + make_interval(days => @window))
            FROM complaints c JOIN units u ON u.unit_id = c.unit_id
            WHERE c.status = 'Closed' AND c.substantiation = @unsubstantiated AND c.closed_at >= @from AND c.closed_at < @to
              -- Only cases closed with a finding (not those closed before findings existed): the entry names the finding.
              AND EXISTS (SELECT 1 FROM case_findings cf WHERE cf.complaint_id = c.id)
            """,
            new
            {
                regulator = nameof(Channel.Regulator12398),
                unsubstantiated = nameof(Substantiation.Unsubstantiated),
                window = o.RepeatWindowDays,
                from = from.UtcDateTime,
                to = to.UtcDateTime,
            }, tx, cancellationToken: ct));
        var candidates = rows.Select(r => new SamplingCandidate(r.Id, r.City,
            r.Regulator ? QualityDrawReason.Regulator12398 : r.Repeat ? QualityDrawReason.RepeatComplaint : QualityDrawReason.Unspecified)).ToList();
        var drawn = QualitySampling.Draw(candidates, o.Seed, weekStart, o.Share, o.Minimum);
        var now = clock.GetUtcNow();

        // The finding sampled is the case's current one: its version and reviewer go with the entry, so an overturn
        // is charged to whoever recorded it.
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO quality_queue (entry_id, complaint_id, week_start, city_unit_id, reason, drawn_at, finding_version, reviewer, reviewer_unit_id)
            SELECT d.entry_id, d.complaint_id, @week, d.city, d.reason, @now, f.version, f.recorded_by, f.reviewer_unit_id
            FROM unnest(@entryIds, @caseIds, @cities, @reasons) AS d (entry_id, complaint_id, city, reason)
            CROSS JOIN LATERAL (
                SELECT version, recorded_by, reviewer_unit_id FROM case_findings cf
                WHERE cf.complaint_id = d.complaint_id
                  AND NOT EXISTS (SELECT 1 FROM finding_set_asides s WHERE s.complaint_id = cf.complaint_id AND s.version = cf.version)
                ORDER BY version DESC LIMIT 1) f
            ON CONFLICT (complaint_id, week_start) DO NOTHING
            """,
            new
            {
                week = weekStart.ToDateTime(TimeOnly.MinValue),
                now = now.UtcDateTime,
                entryIds = drawn.Select(_ => Guid.CreateVersion7(now)).ToArray(),
                caseIds = drawn.Select(d => d.CaseId).ToArray(),
                cities = drawn.Select(d => d.CityUnitId).ToArray(),
                reasons = drawn.Select(d => d.Reason.ToString()).ToArray(),
            }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO quality_sampling_runs (week_start, candidates, drawn, ran_at) VALUES (@week, @candidates, @drawn, @now)
            ON CONFLICT (week_start) DO UPDATE SET candidates = excluded.candidates, drawn = excluded.drawn, ran_at = excluded.ran_at
            """, new { week = weekStart.ToDateTime(TimeOnly.MinValue), candidates = candidates.Count, drawn = drawn.Count, now = now.UtcDateTime },
            tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return drawn;
    }
}
