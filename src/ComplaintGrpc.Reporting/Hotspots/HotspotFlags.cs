using System.ComponentModel.DataAnnotations;
using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Analysis;
using ComplaintGrpc.Storage;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ComplaintGrpc.Reporting.Hotspots;

/// <summary>Settings of the frequent-outage / low-voltage flag (<c>Analysis:HotspotFlags</c>).</summary>
public sealed class HotspotFlagOptions
{
    /// <summary>Length of a window in local days (7: Monday-to-Sunday weeks).</summary>
    [Range(1, 366)]
    public int WindowDays { get; set; } = 7;

    /// <summary>A feeder or transformer area is flagged when it has at least this many such cases in one window.</summary>
    [Range(1, 100_000)]
    public int Threshold { get; set; } = 5;

    /// <summary>The sub-categories that count: outage, frequent outage and voltage.</summary>
    public SubCategory[] SubCategories { get; set; } = [SubCategory.Outage, SubCategory.FrequentOutage, SubCategory.Voltage];

    /// <summary>The IANA zone whose local midnights start the windows.</summary>
    public string TimeZone { get; set; } = "Asia/Shanghai";

    /// <summary>Quartz cron (seconds first) of the check: every 15 minutes by default.</summary>
    public string Cron { get; set; } = "0 0/15 * * * ?";
}

/// <summary>A flag as raised.</summary>
public sealed class RaisedFlag
{
    public Guid Id { get; init; }
    public string Grain { get; init; } = "";
    public string UnitId { get; init; } = "";
    public string Area { get; init; } = "";
    public DateTime WindowStart { get; init; }
    public DateTime WindowEnd { get; init; }
    public int CaseCount { get; init; }
}

/// <summary>
/// Raises the frequent-outage / low-voltage flags: one statement finds every (unit, feeder) and (unit, transformer
/// area) whose counted cases in the current or the previous window reached the threshold and inserts a flag for each
/// with ON CONFLICT DO NOTHING on (grain, unit, area, window start); the same transaction notifies the supervisors of
/// each newly flagged unit through the outbox. So every flag is raised and notified exactly once, however often this
/// runs and however many workers race; re-checking the previous window catches cases that arrived (or a worker that
/// was down) after it ended. Only dispatched cases count: a flag belongs to a unit.
/// </summary>
public sealed class HotspotFlags(NpgsqlDataSource db, IOptions<HotspotFlagOptions> options)
{
    private readonly HotspotFlagOptions _options = options.Value;

    public TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);

    public async Task<IReadOnlyList<RaisedFlag>> RaiseAsync(DateTimeOffset now, CancellationToken ct)
    {
        var current = FlagWindow.Containing(now, _options.WindowDays, Zone);
        var previous = current.Previous(_options.WindowDays, Zone);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var flags = (await connection.QueryAsync<RaisedFlag>(new CommandDefinition("""
            WITH cases AS (
                SELECT c.unit_id, c.feeder, c.transformer_area,
                       CASE WHEN c.received_at >= @currentStart THEN @currentStart ELSE @previousStart END AS window_start
                FROM complaints c
                WHERE c.received_at >= @previousStart AND c.received_at < @currentEnd
                  AND c.sub_category = ANY(@subCategories) AND c.unit_id IS NOT NULL
            ), areas AS (
                SELECT 'Feeder' AS grain, unit_id, feeder AS area, window_start, count(*)::int AS n
                FROM cases WHERE feeder <> '' GROUP BY unit_id, feeder, window_start
                UNION ALL
                SELECT 'TransformerArea', unit_id, transformer_area, window_start, count(*)::int
                FROM cases WHERE transformer_area <> '' GROUP BY unit_id, transformer_area, window_start
            )
            INSERT INTO hotspot_flags (id, grain, unit_id, area, window_start, window_end, case_count, threshold, raised_at)
            SELECT gen_random_uuid(), grain, unit_id, area, window_start,
                   CASE WHEN window_start = @currentStart THEN @currentEnd ELSE @currentStart END, n, @threshold, @now
            FROM areas WHERE n >= @threshold
            ON CONFLICT (grain, unit_id, area, window_start) DO NOTHING
            RETURNING id, grain, unit_id, area, window_start, window_end, case_count
            """,
            new
            {
                previousStart = previous.Start.UtcDateTime,
                currentStart = current.Start.UtcDateTime,
                currentEnd = current.End.UtcDateTime,
                subCategories = _options.SubCategories.Select(s => s.ToString()).ToArray(),
                threshold = _options.Threshold,
                now = now.UtcDateTime,
            }, tx, cancellationToken: ct))).AsList();
        if (flags.Count == 0)
        {
            await tx.CommitAsync(ct);
            return flags;
        }

        var supervisors = (await connection.QueryAsync<(string HandlerId, string UnitId)>(new CommandDefinition("""
            SELECT handler_id, unit_id FROM handlers WHERE unit_id = ANY(@units) AND role = 'Supervisor' AND active
            """, new { units = flags.Select(f => f.UnitId).Distinct().ToArray() }, tx, cancellationToken: ct))).ToLookup(s => s.UnitId, s => s.HandlerId);
        var notifications = flags.SelectMany(f => supervisors[f.UnitId].Select(handler => new NewNotification(
            Guid.CreateVersion7(now), $"hotspot:{f.Id}:{handler}", handler, nameof(NotificationKind.Hotspot), null, Text(f), now, now,
            HotspotId: f.Id))).ToList();
        await Outbox.RaiseAsync(connection, tx, notifications, ct);
        await tx.CommitAsync(ct);
        return flags;
    }

    /// <summary>The desk text: the area, the window's local dates and the count; never a customer's details.</summary>
    private string Text(RaisedFlag f)
    {
        var from = TimeZoneInfo.ConvertTime(new DateTimeOffset(f.WindowStart, TimeSpan.Zero), Zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = TimeZoneInfo.ConvertTime(new DateTimeOffset(f.WindowEnd, TimeSpan.Zero), Zone).AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var kind = f.Grain == nameof(HotspotGrain.Feeder) ? "线路" : "台区";
        return $"热点预警(频繁停电/电压): {kind} {f.Area} 在 {from} 至 {to} 有 {f.CaseCount} 件投诉, 达到阈值 {_options.Threshold}。";
    }
}
