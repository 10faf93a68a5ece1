using ComplaintGrpc.Contracts.V1;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Reporting;

/// <summary>The early-warning lines of the overnight report (ops/README.md, "Repeat complaints and early warning"):
/// one grouped query over the day's WARNING_RAISED events (index complaint_events_action_time), in the report's transaction.</summary>
public static class WarningReport
{
    public static async Task<IReadOnlyList<WarningCount>> ComputeAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ReportWindow window,
        int commandTimeoutSeconds, CancellationToken ct)
    {
        var rows = await connection.QueryAsync<(string Rule, int Cases)>(new CommandDefinition("""
            SELECT r.rule, count(DISTINCT c.id)::int
            FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id CROSS JOIN unnest(c.warning_rules) AS r(rule)
            WHERE e.action = 'WarningRaised' AND e.occurred_at >= @dayStart AND e.occurred_at < @cutOff
            GROUP BY r.rule
            """, new { dayStart = window.DayStart.UtcDateTime, cutOff = window.CutOff.UtcDateTime }, tx, commandTimeoutSeconds, cancellationToken: ct));
        return [.. rows.Select(r => new WarningCount { Rule = Enum.Parse<WarningRule>(r.Rule), Cases = r.Cases }).OrderBy(w => w.Rule)];
    }

    /// <summary>The section of the HTML page: one small table, rule and cases.</summary>
    public static void AppendHtml(System.Text.StringBuilder h, IEnumerable<WarningCount> warnings)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        h.Append("<h2>预警 (当日, 按规则)</h2><table id=\"table-warnings\"><tr><th>规则</th><th>工单数</th></tr>");
        foreach (var w in warnings)
            h.Append(inv, $"<tr><td>{RuleName(w.Rule)}</td><td class=n>{w.Cases}</td></tr>");
        h.Append("</table>");
    }

    public static string RuleName(WarningRule rule) => rule switch
    {
        WarningRule.RepeatCustomer => "重复投诉客户",
        WarningRule.ImportantCustomer => "重要客户",
        WarningRule.Regulator => "12398监管转办",
        WarningRule.SkipLevel => "越级投诉",
        WarningRule.SensitiveKeyword => "敏感词",
        WarningRule.HotspotArea => "热点区域",
        _ => rule.ToString(),
    };
}
