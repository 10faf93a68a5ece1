using ComplaintGrpc.Contracts.V1;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Reporting;

/// <summary>The evaluation section of the overnight report (ops/README.md, "Evaluation and accountability"): a few
/// grouped queries over closed cases' findings and the quality queue, in the report's own transaction.</summary>
public static class EvaluationReport
{
    public const int FrequentMinimum = 3;
    public const int FrequentWindowDays = 90;
    public const int ListedPosts = 20;

    /// <summary>A case's finding as now: its latest version not set aside by quality sampling.</summary>
    private const string CurrentFinding = """
        CROSS JOIN LATERAL (
            SELECT cf.outcome, cf.responsible_post_id, cf.responsible_unit_id FROM case_findings cf
            WHERE cf.complaint_id = c.id
              AND NOT EXISTS (SELECT 1 FROM finding_set_asides sa WHERE sa.complaint_id = cf.complaint_id AND sa.version = cf.version)
            ORDER BY cf.version DESC LIMIT 1) f
        """;

    public static async Task<EvaluationFigures> ComputeAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ReportWindow window,
        int commandTimeoutSeconds, CancellationToken ct)
    {
        var p = new
        {
            from = window.RateWindowStart.UtcDateTime,
            cutOff = window.CutOff.UtcDateTime,
            frequentFrom = (window.CutOff - TimeSpan.FromDays(FrequentWindowDays)).UtcDateTime,
            minimum = FrequentMinimum,
            listed = ListedPosts,
        };
        CommandDefinition Command(string sql) => new(sql, p, tx, commandTimeoutSeconds, cancellationToken: ct);
        var figures = new EvaluationFigures();

        var substantiation = await connection.QueryAsync<(string UnitId, int Closed, int Substantiated)>(Command($"""
            SELECT c.unit_id, count(*)::int, count(*) FILTER (WHERE f.outcome IN ('Substantiated', 'PartlySubstantiated'))::int
            FROM complaints c {CurrentFinding}
            WHERE c.status = 'Closed' AND c.closed_at >= @from AND c.closed_at < @cutOff AND c.unit_id IS NOT NULL
            GROUP BY c.unit_id ORDER BY c.unit_id
            """));
        figures.Substantiation.AddRange(substantiation.Select(r => new UnitSubstantiation { UnitId = r.UnitId, Substantiated = Ratio(r.Substantiated, r.Closed) }));

        var overturns = await connection.QueryAsync<(string UnitId, int Verdicts, int Overturned)>(Command("""
            SELECT coalesce(reviewer_unit_id, ''), count(*)::int, count(*) FILTER (WHERE verdict = 'Overturned')::int
            FROM quality_queue WHERE verdict IS NOT NULL AND verdict_at >= @from AND verdict_at < @cutOff
            GROUP BY 1 ORDER BY 1
            """));
        figures.Overturns.AddRange(overturns.Select(r => new ReviewerOverturns { ReviewerUnitId = r.UnitId, Overturned = Ratio(r.Overturned, r.Verdicts) }));

        figures.OpenQualityQueue = await connection.ExecuteScalarAsync<int>(Command("""
            SELECT count(*)::int FROM quality_queue WHERE drawn_at < @cutOff AND (verdict_at IS NULL OR verdict_at >= @cutOff)
            """));

        var posts = await connection.QueryAsync<(string PostId, string UnitId, int N)>(Command($"""
            SELECT f.responsible_post_id, min(f.responsible_unit_id), count(*)::int AS n
            FROM complaints c {CurrentFinding}
            WHERE c.status = 'Closed' AND c.closed_at >= @frequentFrom AND c.closed_at < @cutOff
              AND f.outcome IN ('Substantiated', 'PartlySubstantiated') AND f.responsible_post_id IS NOT NULL
            GROUP BY f.responsible_post_id HAVING count(*) >= @minimum
            ORDER BY n DESC, f.responsible_post_id LIMIT @listed
            """));
        figures.FrequentlyComplainedPosts.AddRange(posts.Select(r => new FrequentPost { PostId = r.PostId, UnitId = r.UnitId, Substantiated = r.N }));
        return figures;
    }

    /// <summary>The section of the HTML page: four small tables, units by name (<paramref name="unitNames"/>: the report's
    /// unit rows; a unit not among them, e.g. deleted since, shows its id; no reviewer unit shows 未知).</summary>
    public static void AppendHtml(System.Text.StringBuilder h, EvaluationFigures e, IReadOnlyDictionary<string, string> unitNames)
    {
        static string E(string text) => System.Net.WebUtility.HtmlEncode(text);
        string Unit(string unitId) => E(unitId.Length == 0 ? "未知" : unitNames.GetValueOrDefault(unitId, unitId));
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        h.Append("<h2>评估: 属实率 (近30日归档, 按单位)</h2><table id=\"table-substantiation\"><tr><th>单位</th><th>有认定归档</th><th>属实(含部分)</th><th>属实率</th></tr>");
        foreach (var s in e.Substantiation)
            h.Append(inv, $"<tr><td>{Unit(s.UnitId)}</td><td class=n>{s.Substantiated.Denominator}</td><td class=n>{s.Substantiated.Numerator}</td><td class=n>{ReportText.Percent(s.Substantiated)}</td></tr>");
        h.Append("</table><h2>质检: 认定被推翻率 (近30日, 按认定单位)</h2><table id=\"table-overturns\"><tr><th>认定单位</th><th>质检结论</th><th>推翻</th><th>推翻率</th></tr>");
        foreach (var o in e.Overturns)
            h.Append(inv, $"<tr><td>{Unit(o.ReviewerUnitId)}</td><td class=n>{o.Overturned.Denominator}</td><td class=n>{o.Overturned.Numerator}</td><td class=n>{ReportText.Percent(o.Overturned)}</td></tr>");
        h.Append(inv, $"</table><p id=\"open-quality-queue\">质检待结论: {e.OpenQualityQueue}</p>");
        h.Append(inv, $"<h2>频繁被投诉岗位 (近{FrequentWindowDays}日属实 ≥ {FrequentMinimum})</h2><table id=\"table-frequent-posts\"><tr><th>岗位</th><th>单位</th><th>属实投诉</th></tr>");
        foreach (var p in e.FrequentlyComplainedPosts)
            h.Append(inv, $"<tr><td>{E(p.PostId)}</td><td>{Unit(p.UnitId)}</td><td class=n>{p.Substantiated}</td></tr>");
        h.Append("</table>");
    }

    private static Ratio Ratio(int numerator, int denominator) =>
        new() { Numerator = numerator, Denominator = denominator, Value = denominator == 0 ? 0 : (double)numerator / denominator };
}
