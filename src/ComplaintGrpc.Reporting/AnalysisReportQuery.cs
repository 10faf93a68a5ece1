using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Reporting.Hotspots;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Reporting;

/// <summary>
/// The figures of the monthly analysis report: grouped statements over the three periods at once (the month, the
/// month before, the same month a year before), in the caller's repeatable-read transaction so they agree. Cost follows
/// the cases received and closed in the three months (index ranges on received_at and on closing events), not the
/// history; the hotspots are the hotspot ranking's own statement over the month and the month before, once per grain.
/// </summary>
public static class AnalysisReportQuery
{
    /// <summary>Units at this depth or above get a row of their own: the province and its cities.</summary>
    public const int TopUnitDepth = 1;

    private const int Current = 0, PreviousMonth = 1, PreviousYear = 2;

    /// <summary>The grains the report ranks hotspots at, in report order, with their names in the contract.</summary>
    private static readonly (HotspotGrain Grain, string Name)[] HotspotGrains =
        [(HotspotGrain.Substation, "substation"), (HotspotGrain.Feeder, "feeder"), (HotspotGrain.TransformerArea, "transformer_area")];

    /// <summary>At most this many hotspots at each grain.</summary>
    public const int TopHotspots = 10;

    private const string Periods = """
        periods(k, s, e) AS (VALUES (0, @s0::timestamptz, @e0::timestamptz), (1, @s1::timestamptz, @e1::timestamptz), (2, @s2::timestamptz, @e2::timestamptz))
        """;

    public static async Task<AnalysisReport> ComputeAsync(NpgsqlConnection connection, NpgsqlTransaction tx, AnalysisMonth month,
        int commandTimeoutSeconds, CancellationToken ct)
    {
        AnalysisMonth[] months = [month, month.Previous, month.YearBefore];
        var p = new
        {
            s0 = months[0].Start.UtcDateTime, e0 = months[0].CutOff.UtcDateTime,
            s1 = months[1].Start.UtcDateTime, e1 = months[1].CutOff.UtcDateTime,
            s2 = months[2].Start.UtcDateTime, e2 = months[2].CutOff.UtcDateTime,
        };
        CommandDefinition Command(string sql) => new(sql, p, tx, commandTimeoutSeconds, cancellationToken: ct);
        // Short grouped reads: compiling them costs more than running them.
        await connection.ExecuteAsync(new CommandDefinition("SET LOCAL jit = off", transaction: tx, cancellationToken: ct));

        // Received: one scan of the three months' cases, grouped three ways (grouping 1 = taxonomy, 2 = channel, 3 = unit),
        // with the repeat cases among them (repeat_count is fixed at intake) and the outage complaints by their notice match.
        var received = (await connection.QueryAsync<(int K, int G, string? Category, string? SubCategory, string? Channel, string? UnitId, int N, int Repeats, int Announced, int Unannounced, int NoNotice)>(Command($"""
            WITH {Periods}
            SELECT p.k, CASE WHEN GROUPING(c.category) = 0 THEN 1 WHEN GROUPING(c.channel) = 0 THEN 2 ELSE 3 END AS g,
                   c.category, c.sub_category, c.channel, c.unit_id, count(*)::int AS n,
                   count(*) FILTER (WHERE c.repeat_count > 0)::int AS repeats,
                   count(*) FILTER (WHERE c.outage_match = 'Announced')::int AS announced,
                   count(*) FILTER (WHERE c.outage_match = 'Unannounced')::int AS unannounced,
                   count(*) FILTER (WHERE c.outage_match = 'None')::int AS no_notice
            FROM periods p JOIN complaints c ON c.received_at >= p.s AND c.received_at < p.e
            GROUP BY GROUPING SETS ((p.k, c.category, c.sub_category), (p.k, c.channel), (p.k, c.unit_id))
            """))).ToList();

        // Closed: distinct cases with a closing event in the period (one index range per period over the partial index
        // complaint_events_closing, whose predicate these literals must match), with the finding in force at the period's
        // cut-off (the latest version recorded before it and not set aside before it).
        var closed = (await connection.QueryAsync<(int K, string Dim, string Key, int N)>(Command($"""
            WITH {Periods},
            closed AS (
                SELECT p.k, p.e, x.complaint_id
                FROM periods p CROSS JOIN LATERAL (
                    SELECT DISTINCT ev.complaint_id FROM complaint_events ev
                    WHERE ev.to_status = 'Closed' AND ev.action IN ('Closed', 'ClosureApproved') AND ev.occurred_at >= p.s AND ev.occurred_at < p.e) x),
            found AS (
                SELECT cl.k, cl.complaint_id, f.version, f.outcome
                FROM closed cl LEFT JOIN LATERAL (
                    SELECT cf.version, cf.outcome FROM case_findings cf
                    WHERE cf.complaint_id = cl.complaint_id AND cf.recorded_at < cl.e
                      AND NOT EXISTS (SELECT 1 FROM finding_set_asides sa
                                      WHERE sa.complaint_id = cf.complaint_id AND sa.version = cf.version AND sa.set_aside_at < cl.e)
                    ORDER BY cf.version DESC LIMIT 1) f ON true)
            SELECT k, 'outcome' AS dim, coalesce(outcome, '') AS key, count(*)::int AS n FROM found GROUP BY k, outcome
            UNION ALL
            SELECT fd.k, 'cause', fc.cause_code, count(*)::int
            FROM found fd JOIN case_finding_causes fc ON fc.complaint_id = fd.complaint_id AND fc.version = fd.version
            WHERE fd.outcome IN ('Substantiated', 'PartlySubstantiated')
            GROUP BY fd.k, fc.cause_code
            """))).ToList();

        // Rectifications: a few thousand rows at most (one per improvement plan), so each period is a short scan.
        var rectifications = (await connection.QueryAsync<(int K, int Opened, int Completed, int Evaluated, int Effective)>(Command($"""
            WITH {Periods}
            SELECT p.k,
                   (SELECT count(*) FROM rectifications r WHERE r.opened_at >= p.s AND r.opened_at < p.e)::int,
                   (SELECT count(*) FROM rectifications r WHERE r.completed_at >= p.s AND r.completed_at < p.e)::int,
                   (SELECT count(*) FROM rectifications r WHERE r.evaluated_at >= p.s AND r.evaluated_at < p.e)::int,
                   (SELECT count(*) FROM rectifications r WHERE r.evaluated_at >= p.s AND r.evaluated_at < p.e AND r.status = 'Met')::int
            FROM periods p ORDER BY p.k
            """))).ToList();

        // Hotspots: the month against the calendar month before, over every case (dispatched or not).
        var hotspots = new List<(string Grain, HotspotRow Row)>();
        var criteria = new HotspotCriteria(month.Start, month.CutOff, UnitId: null, Categories: [], SubCategories: [], ComparedFrom: month.Previous.Start);
        foreach (var (grain, name) in HotspotGrains)
        {
            foreach (var row in await HotspotQuery.RankAsync(connection, criteria, grain, HotspotQuery.DefaultCellSize, after: null, TopHotspots, ct, tx, commandTimeoutSeconds))
                hotspots.Add((name, row));
        }

        var units = (await connection.QueryAsync<(string UnitId, string Name, string? ParentUnitId, string Path)>(new CommandDefinition(
            "SELECT unit_id, name, parent_unit_id, path FROM units ORDER BY path", transaction: tx, commandTimeout: commandTimeoutSeconds, cancellationToken: ct))).ToList();
        var causeNames = (await connection.QueryAsync<(string Code, string Name)>(new CommandDefinition(
            "SELECT code, name FROM root_causes", transaction: tx, commandTimeout: commandTimeoutSeconds, cancellationToken: ct))).ToDictionary(r => r.Code, r => r.Name);

        var report = new AnalysisReport();
        int[] Sum(IEnumerable<(int K, int N)> rows)
        {
            var sums = new int[3];
            foreach (var (k, n) in rows)
                sums[k] += n;
            return sums;
        }

        var byTaxonomy = received.Where(r => r.G == 1).ToList();
        report.Received = Counts(Sum(byTaxonomy.Select(r => (r.K, r.N))));
        foreach (var category in Enum.GetValues<Category>().Skip(1))
        {
            var name = category.ToString();
            var row = new MonthlyCategory { Category = category, Received = Counts(Sum(byTaxonomy.Where(r => r.Category == name).Select(r => (r.K, r.N)))) };
            foreach (var sub in Enum.GetValues<SubCategory>().Skip(1).Where(s => Taxonomy.CategoryOf(s) == category))
            {
                var counts = Sum(byTaxonomy.Where(r => r.Category == name && r.SubCategory == sub.ToString()).Select(r => (r.K, r.N)));
                if (counts.Any(n => n > 0))
                    row.SubCategories.Add(new MonthlySubCategory { SubCategory = sub, Received = Counts(counts) });
            }
            report.ByCategory.Add(row);
        }

        foreach (var channel in Enum.GetValues<Channel>().Skip(1))
            report.ByChannel.Add(new MonthlyChannel { Channel = channel, Received = Counts(Sum(received.Where(r => r.G == 2 && r.Channel == channel.ToString()).Select(r => (r.K, r.N)))) });

        // Each unit's count is added to every top unit on its path (the path lists the unit's ancestors, root first).
        var pathOf = units.ToDictionary(u => u.UnitId, u => u.Path);
        var topCounts = units.Where(u => Depth(u.Path) <= TopUnitDepth).ToDictionary(u => u.UnitId, _ => new int[3]);
        var undispatched = new int[3];
        foreach (var r in received.Where(r => r.G == 3))
        {
            if (r.UnitId is null)
            {
                undispatched[r.K] += r.N;
                continue;
            }
            foreach (var ancestor in Segments(pathOf[r.UnitId]).Take(TopUnitDepth + 1))
                topCounts[ancestor][r.K] += r.N;
        }
        foreach (var u in units.Where(u => topCounts.ContainsKey(u.UnitId)))
        {
            report.ByUnit.Add(new MonthlyUnit
            {
                UnitId = u.UnitId, Name = u.Name, ParentUnitId = u.ParentUnitId ?? "", Depth = Depth(u.Path), Received = Counts(topCounts[u.UnitId]),
            });
        }
        report.Undispatched = Counts(undispatched);

        var outcomes = closed.Where(r => r.Dim == "outcome").ToList();
        report.Closed = Counts(Sum(outcomes.Select(r => (r.K, r.N))));
        var withFinding = Sum(outcomes.Where(r => r.Key.Length > 0).Select(r => (r.K, r.N)));
        report.ClosedWithFinding = Counts(withFinding);
        foreach (var outcome in (Substantiation[])[Substantiation.Substantiated, Substantiation.PartlySubstantiated, Substantiation.Unsubstantiated])
        {
            var counts = Sum(outcomes.Where(r => r.Key == outcome.ToString()).Select(r => (r.K, r.N)));
            report.Substantiation.Add(new MonthlyOutcome
            {
                Outcome = outcome, Cases = Counts(counts),
                Share = Ratio(counts[Current], withFinding[Current]),
                SharePreviousMonth = Ratio(counts[PreviousMonth], withFinding[PreviousMonth]),
                SharePreviousYear = Ratio(counts[PreviousYear], withFinding[PreviousYear]),
            });
        }

        var causes = closed.Where(r => r.Dim == "cause").GroupBy(r => r.Key)
            .Select(g => (Code: g.Key, Counts: Sum(g.Select(r => (r.K, r.N)))))
            .OrderByDescending(c => c.Counts[Current]).ThenBy(c => c.Code, StringComparer.Ordinal);
        foreach (var (code, counts) in causes)
            report.ByRootCause.Add(new MonthlyRootCause { CauseCode = code, Name = causeNames.GetValueOrDefault(code, code), Cases = Counts(counts) });

        var unitNames = units.ToDictionary(u => u.UnitId, u => u.Name);
        report.TopHotspots = new MonthlyHotspots();
        foreach (var (grain, row) in hotspots)
        {
            report.TopHotspots.Hotspots.Add(new MonthlyHotspot
            {
                Rank = row.Rank, Grain = grain, Location = row.Key, UnitId = row.UnitId, UnitName = unitNames.GetValueOrDefault(row.UnitId, ""),
                Complaints = row.Count, ComplaintsPreviousMonth = row.PreviousCount,
            });
        }

        var receivedTotals = Sum(byTaxonomy.Select(r => (r.K, r.N)));
        var repeats = Sum(byTaxonomy.Select(r => (r.K, r.Repeats)));
        report.OutageMatches = new MonthlyOutageMatches
        {
            Announced = Counts(Sum(byTaxonomy.Select(r => (r.K, r.Announced)))),
            Unannounced = Counts(Sum(byTaxonomy.Select(r => (r.K, r.Unannounced)))),
            None = Counts(Sum(byTaxonomy.Select(r => (r.K, r.NoNotice)))),
        };
        report.Repeats = new MonthlyRepeats
        {
            RepeatCases = Counts(repeats),
            Rate = Ratio(repeats[Current], receivedTotals[Current]),
            RatePreviousMonth = Ratio(repeats[PreviousMonth], receivedTotals[PreviousMonth]),
            RatePreviousYear = Ratio(repeats[PreviousYear], receivedTotals[PreviousYear]),
        };

        // 咨询/意见建议/抱怨 → 投诉: the kind received as (a converted case keeps it in original_request_kind), and the
        // conversions of each period; a second, narrow scan of the three months' received range plus the few converted rows.
        var kinds = (await connection.QueryAsync<(int K, string Dim, string Kind, int N)>(Command($"""
            WITH {Periods}
            SELECT p.k, 'received' AS dim, COALESCE(c.original_request_kind, c.request_kind) AS kind, count(*)::int AS n
            FROM periods p JOIN complaints c ON c.received_at >= p.s AND c.received_at < p.e
            GROUP BY p.k, 3
            UNION ALL
            SELECT p.k, 'converted', c.original_request_kind, count(*)::int
            FROM periods p JOIN complaints c ON c.converted_at >= p.s AND c.converted_at < p.e
            WHERE c.converted_at IS NOT NULL
            GROUP BY p.k, 3
            """))).ToList();
        int[] OfKind(string dim, RequestKind kind) => Sum(kinds.Where(r => r.Dim == dim && r.Kind == kind.ToString()).Select(r => (r.K, r.N)));
        report.RequestKinds = new MonthlyRequestKinds();
        foreach (var kind in Enum.GetValues<RequestKind>().Where(k => k != RequestKind.Unspecified))
            report.RequestKinds.Kinds.Add(new MonthlyRequestKind
            {
                RequestKind = kind, Received = Counts(OfKind("received", kind)), ConvertedToComplaint = Counts(OfKind("converted", kind)),
            });

        int[] Rectified(Func<(int K, int Opened, int Completed, int Evaluated, int Effective), int> pick) => Sum(rectifications.Select(r => (r.K, pick(r))));
        report.Rectifications = new MonthlyRectifications
        {
            Opened = Counts(Rectified(r => r.Opened)), Completed = Counts(Rectified(r => r.Completed)),
            Effective = Counts(Rectified(r => r.Effective)), Evaluated = Counts(Rectified(r => r.Evaluated)),
        };
        return report;
    }

    public static MonthlyCounts Counts(int[] n) => new()
    {
        Current = n[Current], PreviousMonth = n[PreviousMonth], PreviousYear = n[PreviousYear],
        MonthOnMonthChange = n[Current] - n[PreviousMonth], MonthOnMonthRate = Rate(n[Current], n[PreviousMonth]),
        YearOnYearChange = n[Current] - n[PreviousYear], YearOnYearRate = Rate(n[Current], n[PreviousYear]),
    };

    private static double Rate(int current, int previous) => previous == 0 ? 0 : (current - previous) / (double)previous;

    private static Ratio Ratio(int numerator, int denominator) =>
        new() { Numerator = numerator, Denominator = denominator, Value = denominator == 0 ? 0 : (double)numerator / denominator };

    private static string[] Segments(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    private static int Depth(string path) => Segments(path).Length - 1;
}
