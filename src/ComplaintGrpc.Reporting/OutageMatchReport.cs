using ComplaintGrpc.Contracts.V1;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Reporting;

/// <summary>The 停电信息 lines of the overnight report (ops/README.md, "Backlog report"): the outage complaints received on
/// the report date and open at the cut-off, by their match at intake. One grouped query over the report's gathered cases
/// (every case received on the day or open at the cut-off is among them, with its status as at the cut-off), joined to
/// their stored match by primary key, in the report's transaction.</summary>
public static class OutageMatchReport
{
    public static async Task<ReportOutageMatches> ComputeAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ReportWindow window,
        int commandTimeoutSeconds, CancellationToken ct)
    {
        var rows = await connection.QueryAsync<(string Match, int Received, int Open)>(new CommandDefinition("""
            SELECT c.outage_match,
                   count(*) FILTER (WHERE r.received_at >= @dayStart)::int,
                   count(*) FILTER (WHERE r.status <> 'Closed')::int
            FROM report_cases r JOIN complaints c ON c.id = r.id
            WHERE c.outage_match IS NOT NULL
            GROUP BY c.outage_match
            """, new { dayStart = window.DayStart.UtcDateTime }, tx, commandTimeoutSeconds, cancellationToken: ct));
        var figures = new ReportOutageMatches { Received = new OutageMatchCounts(), Open = new OutageMatchCounts() };
        foreach (var (match, received, open) in rows)
        {
            Add(figures.Received, Enum.Parse<OutageMatch>(match), received);
            Add(figures.Open, Enum.Parse<OutageMatch>(match), open);
        }
        return figures;
    }

    private static void Add(OutageMatchCounts counts, OutageMatch match, int n)
    {
        switch (match)
        {
            case OutageMatch.Announced: counts.Announced += n; break;
            case OutageMatch.Unannounced: counts.Unannounced += n; break;
            case OutageMatch.None: counts.None += n; break;
            default: throw new ArgumentOutOfRangeException(nameof(match), match, "not a stored outage match");
        }
    }

    /// <summary>The rows under <see cref="Header"/>: each match, received on the day and open at the cut-off.</summary>
    public static IEnumerable<(string Name, int Received, int Open)> Rows(ReportOutageMatches m) =>
    [
        (AnalysisReportFiles.OutageMatchName(OutageMatch.Announced), m.Received.Announced, m.Open.Announced),
        (AnalysisReportFiles.OutageMatchName(OutageMatch.Unannounced), m.Received.Unannounced, m.Open.Unannounced),
        (AnalysisReportFiles.OutageMatchName(OutageMatch.None), m.Received.None, m.Open.None),
    ];

    public static readonly IReadOnlyList<string> Header = ["停电信息匹配", "当日受理", "截止时在途"];

    /// <summary>The CSV table: the header and the three rows; only the header for a report stored before they were counted.</summary>
    public static IEnumerable<string[]> CsvRows(ReportOutageMatches? m)
    {
        yield return [.. Header];
        foreach (var (name, received, open) in m is null ? [] : Rows(m))
            yield return [name, received.ToString(System.Globalization.CultureInfo.InvariantCulture), open.ToString(System.Globalization.CultureInfo.InvariantCulture)];
    }

    /// <summary>The section of the HTML page: one small table, or a line saying the stored report predates it.</summary>
    public static void AppendHtml(System.Text.StringBuilder h, ReportOutageMatches? m)
    {
        static string E(string text) => System.Net.WebUtility.HtmlEncode(text);
        h.Append("<h2>停电信息匹配 (停电类投诉)</h2>");
        if (m is null)
        {
            h.Append("<p id=\"pending-outage-matches\" class=\"meta\">此报告生成时未统计本项, 可重新生成</p>");
            return;
        }
        h.Append("<table id=\"table-outage-matches\"><tr>");
        foreach (var header in Header) h.Append("<th>").Append(E(header)).Append("</th>");
        h.Append("</tr>");
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        foreach (var (name, received, open) in Rows(m))
            h.Append(inv, $"<tr><td>{E(name)}</td><td class=n>{received}</td><td class=n>{open}</td></tr>");
        h.Append("</table>");
    }
}
