using System.Globalization;
using System.Net;
using System.Text;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.TimeLimits;

namespace ComplaintGrpc.Reporting;

/// <summary>
/// The report as one self-contained HTML page a manager can open from an e-mail: inline CSS, charts as inline SVG,
/// no script and no external resource. SVG rather than a raster chart library (ScottPlot is served, but draws through
/// SkiaSharp's native library and needs CJK fonts installed on the server to label units in Chinese): the browser
/// draws the text with the reader's own fonts, the page stays a few kilobytes, and the numbers stay selectable.
/// Every value is HTML-encoded.
/// </summary>
public static class ReportHtml
{
    public static byte[] Render(BacklogReport report)
    {
        var s = report.Summary;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(s.TimeZone);
        var h = new StringBuilder();
        h.Append(CultureInfo.InvariantCulture, $$"""
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>投诉积压日报 {{E(s.ReportDate)}}</title>
            <style>
            body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}
            h1{font-size:22px} h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}
            table{border-collapse:collapse;font-size:13px;margin:8px 0} th,td{border:1px solid #bbb;padding:3px 8px}
            th{background:#eef3f8} td.n{text-align:right} .meta{color:#666;font-size:12px}
            .charts{display:flex;flex-wrap:wrap;gap:24px} svg text{font-size:11px}
            </style></head><body>
            <h1>投诉积压日报 · {{E(s.ReportDate)}}</h1>
            <p class="meta">截止 {{E(ReportText.Local(s.CutOffTime, zone))}} ({{E(s.TimeZone)}}) · 生成于 {{E(ReportText.Local(s.GeneratedTime, zone))}} · 第 {{s.Generation}} 版{{(s.CalendarCovered ? "" : " · 工作日历未覆盖全部日期")}}</p>
            """);

        var t = report.Total;
        h.Append("<h2>概要</h2><table id=\"table-summary\"><tr><th>在途工单</th><th>超期时限</th><th>超期工单</th><th>24小时内到期</th><th>当日受理</th><th>当日归档</th><th>当日重开</th><th>当日督办</th><th>按时答复率</th><th>超时率</th><th>回访满意率</th></tr>");
        h.Append(CultureInfo.InvariantCulture, $"<tr><td class=n>{t.Open}</td><td class=n>{t.OverdueClocks}</td><td class=n>{t.OverdueCases}</td><td class=n>{t.DueWithin24H}</td><td class=n>{t.Flow.Received}</td><td class=n>{t.Flow.Closed}</td><td class=n>{t.Flow.Reopened}</td><td class=n>{t.Flow.Escalated}</td><td class=n>{ReportText.Percent(t.Flow.OnTimeReply)}</td><td class=n>{ReportText.Percent(t.Flow.Breached)}</td><td class=n>{ReportText.Percent(t.Flow.CallbackSatisfied)}</td></tr></table>");

        h.Append("<div class=\"charts\">");
        BarChart(h, "chart-backlog", "各单位在途工单 (含下级)",
            [.. report.Units.Select(u => (new string('　', u.Depth) + u.Name, u.Subtree.Open)), ("未派单", report.Undispatched.Open)]);
        BarChart(h, "chart-ageing", "在途工单账龄 (工作日)", [.. ReportText.AgeingLabels.Zip(ReportText.AgeingValues(t.Ageing))]);
        TrendChart(h, report.Trend);
        h.Append("</div>");

        var scopes = ReportCsv.Scopes(report).ToList();
        h.Append("<h2>在途工单 (按单位, 含下级)</h2><table id=\"table-backlog\"><tr><th>单位</th><th>在途</th>");
        foreach (var st in Enum.GetValues<CaseStatus>().Skip(1)) h.Append("<th>").Append(E(Taxonomy.ChineseName(st))).Append("</th>");
        foreach (var c in Enum.GetValues<Category>().Skip(1)) h.Append("<th>").Append(E(Taxonomy.ChineseName(c))).Append("</th>");
        h.Append("</tr>");
        foreach (var (_, name, depth, f) in scopes)
        {
            h.Append("<tr><td>").Append(E(new string('　', Math.Max(depth, 0)) + name)).Append("</td>").Append(Num(f.Open));
            foreach (var st in Enum.GetValues<CaseStatus>().Skip(1)) h.Append(Num(f.ByStatus.FirstOrDefault(x => x.Status == st)?.Count ?? 0));
            foreach (var c in Enum.GetValues<Category>().Skip(1)) h.Append(Num(f.ByCategory.FirstOrDefault(x => x.Category == c)?.Count ?? 0));
            h.Append("</tr>");
        }
        h.Append("</table>");

        h.Append("<h2>账龄 (按单位, 含下级)</h2><table id=\"table-ageing\"><tr><th>单位</th>");
        foreach (var label in ReportText.AgeingLabels) h.Append("<th>").Append(E(label)).Append("</th>");
        h.Append("</tr>");
        foreach (var (_, name, depth, f) in scopes)
        {
            h.Append("<tr><td>").Append(E(new string('　', Math.Max(depth, 0)) + name)).Append("</td>");
            foreach (var v in ReportText.AgeingValues(f.Ageing)) h.Append(Num(v));
            h.Append("</tr>");
        }
        h.Append("</table>");

        Alerts(h, "table-overdue", "超期时限 (截止时)", report.Overdue, t.OverdueClocks, zone, overdue: true);
        Alerts(h, "table-due-soon", "24小时内到期", report.DueSoon, t.DueWithin24H, zone, overdue: false);

        h.Append("<h2>当日流转 (按单位, 含下级)</h2><table id=\"table-flow\"><tr><th>单位</th><th>受理</th><th>归档</th><th>重开</th><th>督办</th><th>按时答复率</th><th>超时率</th><th>回访满意率</th></tr>");
        foreach (var (_, name, depth, f) in scopes)
        {
            var d = f.Flow;
            h.Append("<tr><td>").Append(E(new string('　', Math.Max(depth, 0)) + name)).Append("</td>")
                .Append(Num(d.Received)).Append(Num(d.Closed)).Append(Num(d.Reopened)).Append(Num(d.Escalated))
                .Append("<td class=n>").Append(ReportText.Percent(d.OnTimeReply)).Append("</td><td class=n>").Append(ReportText.Percent(d.Breached))
                .Append("</td><td class=n>").Append(ReportText.Percent(d.CallbackSatisfied)).Append("</td></tr>");
        }
        h.Append("</table>");

        h.Append("<h2>超期前十单位</h2><table id=\"table-top-overdue\"><tr><th>名次</th><th>单位</th><th>超期时限数</th></tr>");
        foreach (var r in report.TopOverdue)
            h.Append(CultureInfo.InvariantCulture, $"<tr><td class=n>{r.Rank}</td><td>{E(r.UnitName)}</td><td class=n>{r.Value:0}</td></tr>");
        h.Append("</table><h2>每万户投诉前十单位 (近30日)</h2><table id=\"table-top-rate\"><tr><th>名次</th><th>单位</th><th>每万户</th><th>受理</th><th>客户数</th></tr>");
        foreach (var r in report.TopPer10KCustomers)
            h.Append(CultureInfo.InvariantCulture, $"<tr><td class=n>{r.Rank}</td><td>{E(r.UnitName)}</td><td class=n>{r.Value:0.00}</td><td class=n>{r.Complaints}</td><td class=n>{r.CustomerCount}</td></tr>");
        h.Append("</table>");
        EvaluationReport.AppendHtml(h, report.Evaluation ?? new EvaluationFigures(), report.Units.ToDictionary(u => u.UnitId, u => u.Name));
        RectificationReport.AppendHtml(h, report.Rectifications ?? new RectificationFigures(), zone);
        Hotspots.HotspotSection.AppendHtml(h, report.TopHotspots);
        WarningReport.AppendHtml(h, report.WarningsRaised);
        OutageMatchReport.AppendHtml(h, report.OutageMatches);
        h.Append("</body></html>\n");
        return ReportFiles.Utf8NoBom.GetBytes(h.ToString());
    }

    /// <summary>A list of clocks; when the report lists fewer than <paramref name="total"/>, a line says so.</summary>
    private static void Alerts(StringBuilder h, string id, string title, Google.Protobuf.Collections.RepeatedField<ClockAlert> alerts, int total, TimeZoneInfo zone, bool overdue)
    {
        h.Append("<h2>").Append(E(title)).Append("</h2>");
        if (alerts.Count < total)
        {
            h.Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">共 {total} 条, 此处列出{(overdue ? "超期最久" : "最先到期")}的 {alerts.Count} 条")
                .Append(overdue ? "; 完整清单 (实时) 见 ReportService.ListOverdueClocks / DownloadOverdueClocks" : "").Append("</p>");
        }
        h.Append("<table id=\"").Append(id).Append("\"><tr><th>工单编号</th><th>时限</th><th>单位</th><th>处理人</th><th>等级</th><th>分类</th><th>状态</th><th>到期时间</th><th>")
            .Append(overdue ? "超期(小时)" : "剩余(小时)").Append("</th></tr>");
        foreach (var a in alerts)
        {
            h.Append("<tr><td>").Append(E(a.CaseNumber)).Append("</td><td>").Append(E(a.Clock.ChineseName())).Append("</td><td>")
                .Append(E(a.UnitName)).Append("</td><td>").Append(E(a.HandlerName)).Append("</td><td>").Append(E(ReportText.LevelName(a.Level)))
                .Append("</td><td>").Append(E(Taxonomy.ChineseName(a.Category))).Append("</td><td>").Append(E(Taxonomy.ChineseName(a.Status)))
                .Append("</td><td>").Append(E(ReportText.Local(a.DueTime, zone))).Append("</td><td class=n>")
                .Append(ReportText.Hours(overdue ? a.OverdueBy : a.DueIn)).Append("</td></tr>");
        }
        h.Append("</table>");
    }

    /// <summary>A horizontal bar chart: one labelled bar per row, scaled to the largest value.</summary>
    private static void BarChart(StringBuilder h, string id, string title, IReadOnlyList<(string Label, int Value)> rows)
    {
        const int labelWidth = 150, barWidth = 260, rowHeight = 22;
        var height = 30 + rows.Count * rowHeight;
        var max = Math.Max(1, rows.Count == 0 ? 1 : rows.Max(r => r.Value));
        h.Append(CultureInfo.InvariantCulture, $"<figure><svg id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{labelWidth + barWidth + 50}\" height=\"{height}\" role=\"img\" aria-label=\"{E(title)}\">");
        h.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"14\" font-weight=\"bold\">{E(title)}</text>");
        for (var i = 0; i < rows.Count; i++)
        {
            var y = 24 + i * rowHeight;
            var w = Math.Max(1, rows[i].Value * barWidth / max);
            h.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + 14}\">{E(rows[i].Label)}</text>");
            h.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar\" x=\"{labelWidth}\" y=\"{y + 3}\" width=\"{w}\" height=\"{rowHeight - 6}\" fill=\"#3b7dd8\"><title>{E(rows[i].Label)}: {rows[i].Value}</title></rect>");
            h.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth + w + 4}\" y=\"{y + 14}\">{rows[i].Value}</text>");
        }
        h.Append("</svg></figure>");
    }

    /// <summary>The 14-day trend: received and closed per day as two lines with a dot per day.</summary>
    private static void TrendChart(StringBuilder h, Google.Protobuf.Collections.RepeatedField<TrendDay> days)
    {
        const int width = 460, height = 220, left = 36, top = 28, bottom = 40, right = 12;
        var plotW = width - left - right;
        var plotH = height - top - bottom;
        var max = Math.Max(1, days.Count == 0 ? 1 : days.Max(d => Math.Max(d.Received, d.Closed)));
        double X(int i) => left + (days.Count <= 1 ? 0 : i * plotW / (double)(days.Count - 1));
        double Y(int v) => top + plotH - v * plotH / (double)max;
        h.Append(CultureInfo.InvariantCulture, $"<figure><svg id=\"chart-trend\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"近14日受理与归档\">");
        h.Append("<text x=\"0\" y=\"14\" font-weight=\"bold\">近14日受理与归档</text>");
        h.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top + plotH}\" x2=\"{left + plotW}\" y2=\"{top + plotH}\" stroke=\"#999\"/><line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{top + plotH}\" stroke=\"#999\"/>");
        h.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{top + 4}\">{max}</text><text x=\"4\" y=\"{top + plotH}\">0</text>");
        foreach (var (name, color, pick) in new (string, string, Func<TrendDay, int>)[] { ("received", "#3b7dd8", d => d.Received), ("closed", "#2e9d5b", d => d.Closed) })
        {
            var points = string.Join(' ', days.Select((d, i) => string.Create(CultureInfo.InvariantCulture, $"{X(i):0.#},{Y(pick(d)):0.#}")));
            h.Append(CultureInfo.InvariantCulture, $"<polyline class=\"series-{name}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{points}\"/>");
            for (var i = 0; i < days.Count; i++)
                h.Append(CultureInfo.InvariantCulture, $"<circle class=\"point-{name}\" cx=\"{X(i):0.#}\" cy=\"{Y(pick(days[i])):0.#}\" r=\"3\" fill=\"{color}\"><title>{E(days[i].Date)} {name}: {pick(days[i])}</title></circle>");
        }
        for (var i = 0; i < days.Count; i += 2)
            h.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(i) - 12:0.#}\" y=\"{top + plotH + 16}\">{E(days[i].Date[5..])}</text>");
        h.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left + 10}\" y=\"{height - 14}\" width=\"10\" height=\"10\" fill=\"#3b7dd8\"/><text x=\"{left + 24}\" y=\"{height - 5}\">受理</text>");
        h.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left + 70}\" y=\"{height - 14}\" width=\"10\" height=\"10\" fill=\"#2e9d5b\"/><text x=\"{left + 84}\" y=\"{height - 5}\">归档</text>");
        h.Append("</svg></figure>");
    }

    private static string Num(int value) => string.Create(CultureInfo.InvariantCulture, $"<td class=n>{value}</td>");

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
