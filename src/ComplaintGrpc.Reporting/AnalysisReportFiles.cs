using System.Globalization;
using System.Net;
using System.Text;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using CsvHelper;

namespace ComplaintGrpc.Reporting;

/// <summary>
/// The monthly analysis report as files, rendered from the stored figures only: CSV tables (UTF-8 with a byte-order
/// mark, Chinese headers, by CsvHelper as the nightly tables) and one self-contained HTML page with inline SVG bar
/// charts (the same reasoning as <see cref="ReportHtml"/>: the reader's browser draws the Chinese text).
/// </summary>
public static class AnalysisReportFiles
{
    public static readonly IReadOnlyList<AnalysisReportTable> Tables =
    [
        AnalysisReportTable.Totals, AnalysisReportTable.Category, AnalysisReportTable.Channel, AnalysisReportTable.Unit,
        AnalysisReportTable.RootCause, AnalysisReportTable.Substantiation, AnalysisReportTable.Hotspots, AnalysisReportTable.Repeats,
        AnalysisReportTable.Rectifications, AnalysisReportTable.OutageMatches,
        AnalysisReportTable.RequestKinds,
    ];

    /// <summary>The columns every figure has: the month, the two bases, and the changes.</summary>
    public static readonly IReadOnlyList<string> CountHeaders = ["本月", "上月", "环比增减", "环比", "去年同月", "同比增减", "同比"];

    private static readonly string[] UndispatchedLabels = ["", "未派单", ""];
    private static readonly string[] ShareHeaders = ["本月占比", "上月占比", "去年同月占比"];
    private static readonly string[] RepeatRateHeaders = ["本月重复率", "上月重复率", "去年同月重复率"];
    private static readonly string[] HotspotHeaders = ["粒度", "位置", "单位编码", "单位名称", "名次", "本月", "上月", "环比增减", "环比"];

    /// <summary>Shown for a late section in a report stored before that section was counted (rerun with replace to fill it).</summary>
    private const string NotInStoredReport = "此报告生成时未统计本项, 可重新生成";

    public static string Slug(AnalysisReportTable table) => table switch
    {
        AnalysisReportTable.Totals => "totals",
        AnalysisReportTable.Category => "category",
        AnalysisReportTable.Channel => "channel",
        AnalysisReportTable.Unit => "unit",
        AnalysisReportTable.RootCause => "root-cause",
        AnalysisReportTable.Substantiation => "substantiation",
        AnalysisReportTable.Hotspots => "hotspots",
        AnalysisReportTable.Repeats => "repeats",
        AnalysisReportTable.Rectifications => "rectifications",
        AnalysisReportTable.OutageMatches => "outage-matches",
        AnalysisReportTable.RequestKinds => "request-kinds",
        _ => throw new ArgumentOutOfRangeException(nameof(table)),
    };

    public static string FileName(string month, ReportFormat format, AnalysisReportTable table) => format == ReportFormat.Html
        ? $"analysis-{month}.html"
        : $"analysis-{month}-{Slug(table)}.csv";

    public static byte[] Render(AnalysisReport report, ReportFormat format, AnalysisReportTable table) =>
        format == ReportFormat.Html ? Html(report) : Csv(report, table);

    public static string[] CountFields(MonthlyCounts c) =>
    [
        Int(c.Current), Int(c.PreviousMonth), Signed(c.MonthOnMonthChange), ChangeRate(c.MonthOnMonthRate, c.PreviousMonth),
        Int(c.PreviousYear), Signed(c.YearOnYearChange), ChangeRate(c.YearOnYearRate, c.PreviousYear),
    ];

    public static string OutcomeName(Substantiation outcome) => outcome switch
    {
        Substantiation.Substantiated => "属实",
        Substantiation.PartlySubstantiated => "部分属实",
        Substantiation.Unsubstantiated => "不属实",
        _ => outcome.ToString(),
    };

    public static string GrainName(string grain) => grain switch
    {
        "substation" => "变电站",
        "feeder" => "线路",
        "transformer_area" => "台区",
        _ => grain,
    };

    /// <summary>The rows of the figures tables: a label column (or two) and the count columns.</summary>
    private static IEnumerable<(string[] Labels, MonthlyCounts Counts)> Rows(AnalysisReport r, AnalysisReportTable table) => table switch
    {
        AnalysisReportTable.Totals =>
        [
            (["受理"], r.Received), (["归档"], r.Closed), (["有认定归档"], r.ClosedWithFinding),
        ],
        AnalysisReportTable.Category => r.ByCategory.SelectMany(c =>
            new[] { (new[] { Taxonomy.ChineseName(c.Category), "小计" }, c.Received) }
                .Concat(c.SubCategories.Select(s => (new[] { Taxonomy.ChineseName(c.Category), Taxonomy.ChineseName(s.SubCategory) }, s.Received)))),
        AnalysisReportTable.Channel => r.ByChannel.Select(c => (new[] { ReportText.ChannelName(c.Channel) }, c.Received)),
        AnalysisReportTable.Unit => r.ByUnit.Select(u => (new[] { u.UnitId, u.Name, Int(u.Depth) }, u.Received))
            .Append((UndispatchedLabels, r.Undispatched ?? new MonthlyCounts())),
        AnalysisReportTable.RootCause => r.ByRootCause.Select(c => (new[] { c.CauseCode, c.Name }, c.Cases)),
        AnalysisReportTable.Substantiation => r.Substantiation.Select(o => (new[] { OutcomeName(o.Outcome) }, o.Cases)),
        AnalysisReportTable.Repeats => r.Repeats is null ? [] : [(["重复投诉"], r.Repeats.RepeatCases)],
        AnalysisReportTable.Rectifications => r.Rectifications is null ? [] :
        [
            (["新开"], r.Rectifications.Opened), (["完成"], r.Rectifications.Completed),
            (["评估"], r.Rectifications.Evaluated), (["有效 (达标)"], r.Rectifications.Effective),
        ],
        AnalysisReportTable.OutageMatches => OutageMatchRows(r.OutageMatches),
        // 咨询/意见建议/抱怨 → 投诉: one received row per kind, and a conversion row for the kinds that convert.
        AnalysisReportTable.RequestKinds => r.RequestKinds is null ? [] : r.RequestKinds.Kinds.SelectMany(k =>
            Domain.Intake.Conversion.IsConvertible(k.RequestKind)
                ? new[] { (new[] { RequestKindName(k.RequestKind), "受理" }, k.Received), (new[] { RequestKindName(k.RequestKind), "转投诉" }, k.ConvertedToComplaint) }
                : [(new[] { RequestKindName(k.RequestKind), "受理" }, k.Received)]),
        _ => throw new ArgumentOutOfRangeException(nameof(table)),
    };

    public static string RequestKindName(RequestKind kind) => kind switch
    {
        RequestKind.Complaint => "投诉",
        RequestKind.Report => "举报",
        RequestKind.Enquiry => "咨询",
        RequestKind.Opinion => "意见建议",
        RequestKind.Grumble => "抱怨",
        _ => kind.ToString(),
    };

    private static string[] LabelHeaders(AnalysisReportTable table) => table switch
    {
        AnalysisReportTable.Totals => ["指标"],
        AnalysisReportTable.Category => ["投诉分类", "细类"],
        AnalysisReportTable.Channel => ["渠道"],
        AnalysisReportTable.Unit => ["单位编码", "单位名称", "层级"],
        AnalysisReportTable.RootCause => ["原因编码", "原因"],
        AnalysisReportTable.Substantiation => ["认定结果"],
        AnalysisReportTable.Repeats => ["指标"],
        AnalysisReportTable.Rectifications => ["整改"],
        AnalysisReportTable.OutageMatches => ["停电信息匹配"],
        AnalysisReportTable.RequestKinds => ["诉求类型", "指标"],
        _ => throw new ArgumentOutOfRangeException(nameof(table)),
    };

    public static byte[] Csv(AnalysisReport report, AnalysisReportTable table)
    {
        using var stream = new MemoryStream();
        using (var csv = CsvWriter.Create(stream, new CsvWriterOptions { WriteByteOrderMark = true }, leaveOpen: true))
        {
            void Row(IEnumerable<string> fields)
            {
                foreach (var field in fields)
                    csv.WriteField(field);
                csv.EndRecord();
            }
            // Substantiation and repeats carry three ratios after the counts (one row each for repeats).
            IReadOnlyList<Ratio[]> ratios = table switch
            {
                AnalysisReportTable.Substantiation => [.. report.Substantiation.Select(o => new[] { o.Share, o.SharePreviousMonth, o.SharePreviousYear })],
                AnalysisReportTable.Repeats when report.Repeats is { } r => [[r.Rate, r.RatePreviousMonth, r.RatePreviousYear]],
                _ => [],
            };
            var withRatios = table is AnalysisReportTable.Substantiation or AnalysisReportTable.Repeats;
            if (table == AnalysisReportTable.Hotspots)
            {
                Row(HotspotHeaders);
                foreach (var x in report.TopHotspots?.Hotspots ?? [])
                    Row([GrainName(x.Grain), x.Location, x.UnitId, x.UnitName, Int(x.Rank), .. HotspotCountFields(x)]);
            }
            else
            {
                Row([.. LabelHeaders(table), .. CountHeaders, .. withRatios ? table == AnalysisReportTable.Repeats ? RepeatRateHeaders : ShareHeaders : []]);
                var i = 0;
                foreach (var (labels, counts) in Rows(report, table))
                {
                    string[] extra = withRatios ? [.. ratios[i].Select(ReportText.Percent)] : [];
                    Row([.. labels, .. CountFields(counts), .. extra]);
                    i++;
                }
            }
        }
        return stream.ToArray();
    }

    public static byte[] Html(AnalysisReport report)
    {
        var s = report.Summary;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(s.TimeZone);
        var h = new StringBuilder();
        h.Append(CultureInfo.InvariantCulture, $$"""
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>投诉分析月报 {{E(s.Month)}}</title>
            <style>
            body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}
            h1{font-size:22px} h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}
            table{border-collapse:collapse;font-size:13px;margin:8px 0} th,td{border:1px solid #bbb;padding:3px 8px}
            th{background:#eef3f8} td.n{text-align:right} .meta{color:#666;font-size:12px} .pending{color:#888}
            .charts{display:flex;flex-wrap:wrap;gap:24px} svg text{font-size:11px}
            </style></head><body>
            <h1>投诉分析月报 · {{E(s.Month)}}</h1>
            <p class="meta">统计期 {{E(ReportText.Local(s.PeriodStartTime, zone))}} 至 {{E(ReportText.Local(s.CutOffTime, zone))}} ({{E(s.TimeZone)}}) · 生成于 {{E(ReportText.Local(s.GeneratedTime, zone))}} · 第 {{s.Generation}} 版 · 环比: 上月, 同比: 去年同月</p>
            """);

        h.Append("<div class=\"charts\">");
        BarChart(h, "chart-category", "各类投诉受理量 (本月 / 上月 / 去年同月)",
            [.. report.ByCategory.Select(c => (Taxonomy.ChineseName(c.Category), c.Received))]);
        BarChart(h, "chart-channel", "各渠道受理量", [.. report.ByChannel.Select(c => (ReportText.ChannelName(c.Channel), c.Received))]);
        BarChart(h, "chart-unit", "各单位受理量 (含下级)",
            [.. report.ByUnit.Select(u => (new string('　', u.Depth) + u.Name, u.Received)), ("未派单", report.Undispatched ?? new MonthlyCounts())]);
        BarChart(h, "chart-root-cause", "属实投诉原因", [.. report.ByRootCause.Select(c => (c.Name, c.Cases))]);
        BarChart(h, "chart-substantiation", "归档认定结果", [.. report.Substantiation.Select(o => (OutcomeName(o.Outcome), o.Cases))]);
        if (report.TopHotspots is { } top)
        {
            // The month against the month before only: the hotspot trend has no year-before figure.
            BarChart(h, "chart-hotspots", "热点 (本月 / 上月)",
                [.. top.Hotspots.Select(x => ($"{GrainName(x.Grain)} {x.Location}", new MonthlyCounts { Current = x.Complaints, PreviousMonth = x.ComplaintsPreviousMonth }))],
                previousYear: false);
        }
        if (report.Repeats is { } repeats)
            BarChart(h, "chart-repeats", "受理与重复投诉", [("受理", report.Received ?? new MonthlyCounts()), ("重复投诉", repeats.RepeatCases)]);
        if (report.Rectifications is not null)
            BarChart(h, "chart-rectifications", "整改", [.. Rows(report, AnalysisReportTable.Rectifications).Select(r => (r.Labels[0], r.Counts))]);
        if (report.OutageMatches is not null)
            BarChart(h, "chart-outage-matches", "停电类投诉与停电信息", [.. OutageMatchRows(report.OutageMatches).Select(r => (r.Labels[0], r.Counts))]);
        h.Append("</div>");

        Table(h, "table-totals", "总量", report, AnalysisReportTable.Totals);
        Table(h, "table-category", "按分类 (受理)", report, AnalysisReportTable.Category);
        Table(h, "table-channel", "按渠道 (受理)", report, AnalysisReportTable.Channel);
        Table(h, "table-unit", "按单位 (受理, 含下级)", report, AnalysisReportTable.Unit);
        Table(h, "table-root-cause", "属实投诉原因 (归档, 属实与部分属实)", report, AnalysisReportTable.RootCause);
        h.Append("<h2>属实性认定 (归档)</h2><table id=\"table-substantiation\"><tr><th>认定结果</th><th>本月</th><th>本月占比</th><th>上月</th><th>上月占比</th><th>去年同月</th><th>去年同月占比</th></tr>");
        foreach (var o in report.Substantiation)
        {
            h.Append("<tr><td>").Append(E(OutcomeName(o.Outcome))).Append("</td>")
                .Append(Num(Int(o.Cases.Current))).Append(Num(ReportText.Percent(o.Share)))
                .Append(Num(Int(o.Cases.PreviousMonth))).Append(Num(ReportText.Percent(o.SharePreviousMonth)))
                .Append(Num(Int(o.Cases.PreviousYear))).Append(Num(ReportText.Percent(o.SharePreviousYear))).Append("</tr>");
        }
        h.Append("</table>");

        h.Append("<h2>热点 (各粒度前十)</h2>");
        if (report.TopHotspots is null)
            h.Append("<p id=\"pending-hotspots\" class=\"pending\">").Append(E(NotInStoredReport)).Append("</p>");
        else
        {
            h.Append("<table id=\"table-hotspots\"><tr>");
            foreach (var header in HotspotHeaders.Where(x => x != "单位编码")) h.Append("<th>").Append(E(header)).Append("</th>");
            h.Append("</tr>");
            foreach (var x in report.TopHotspots.Hotspots)
            {
                h.Append("<tr><td>").Append(E(GrainName(x.Grain))).Append("</td><td>").Append(E(x.Location)).Append("</td><td>")
                    .Append(E(x.UnitId.Length == 0 ? "未派单" : x.UnitName)).Append("</td>").Append(Num(Int(x.Rank)));
                foreach (var f in HotspotCountFields(x)) h.Append(Num(f));
                h.Append("</tr>");
            }
            h.Append("</table>");
        }
        h.Append("<h2>重复投诉率</h2>");
        if (report.Repeats is null)
            h.Append("<p id=\"pending-repeats\" class=\"pending\">").Append(E(NotInStoredReport)).Append("</p>");
        else
        {
            var r = report.Repeats;
            h.Append("<table id=\"table-repeats\"><tr><th></th>");
            foreach (var header in CountHeaders) h.Append("<th>").Append(E(header)).Append("</th>");
            h.Append("<th>本月重复率</th><th>上月重复率</th><th>去年同月重复率</th></tr><tr><td>重复投诉</td>");
            foreach (var f in CountFields(r.RepeatCases)) h.Append(Num(f));
            h.Append(Num(ReportText.Percent(r.Rate))).Append(Num(ReportText.Percent(r.RatePreviousMonth))).Append(Num(ReportText.Percent(r.RatePreviousYear))).Append("</tr></table>");
        }
        h.Append("<h2>整改</h2>");
        if (report.Rectifications is null)
            h.Append("<p id=\"pending-rectifications\" class=\"pending\">").Append(E(NotInStoredReport)).Append("</p>");
        else
            CountsTable(h, "table-rectifications", "", [.. Rows(report, AnalysisReportTable.Rectifications)], LabelHeaders(AnalysisReportTable.Rectifications));
        h.Append("<h2>停电信息匹配 (停电类投诉受理)</h2>");
        if (report.OutageMatches is null)
            h.Append("<p id=\"pending-outage-matches\" class=\"pending\">").Append(E(NotInStoredReport)).Append("</p>");
        else
            CountsTable(h, "table-outage-matches", "", [.. Rows(report, AnalysisReportTable.OutageMatches)], LabelHeaders(AnalysisReportTable.OutageMatches));
        h.Append("<h2>诉求类型与转投诉 (抱怨/意见建议 → 投诉)</h2>");
        if (report.RequestKinds is null)
            h.Append("<p id=\"pending-request-kinds\" class=\"pending\">").Append(E(NotInStoredReport)).Append("</p>");
        else
            CountsTable(h, "table-request-kinds", "", [.. Rows(report, AnalysisReportTable.RequestKinds)], LabelHeaders(AnalysisReportTable.RequestKinds));
        h.Append("</body></html>\n");
        return ReportFiles.Utf8NoBom.GetBytes(h.ToString());
    }

    private static void Table(StringBuilder h, string id, string title, AnalysisReport report, AnalysisReportTable table)
    {
        h.Append("<h2>").Append(E(title)).Append("</h2>");
        CountsTable(h, id, "", [.. Rows(report, table)], LabelHeaders(table));
    }

    private static void CountsTable(StringBuilder h, string id, string title, IReadOnlyList<(string[] Labels, MonthlyCounts Counts)> rows, string[]? labelHeaders = null)
    {
        if (title.Length > 0)
            h.Append("<h2>").Append(E(title)).Append("</h2>");
        h.Append("<table id=\"").Append(id).Append("\"><tr>");
        foreach (var header in labelHeaders ?? [""]) h.Append("<th>").Append(E(header)).Append("</th>");
        foreach (var header in CountHeaders) h.Append("<th>").Append(E(header)).Append("</th>");
        h.Append("</tr>");
        foreach (var (labels, counts) in rows)
        {
            h.Append("<tr>");
            foreach (var label in labels) h.Append("<td>").Append(E(label)).Append("</td>");
            foreach (var f in CountFields(counts)) h.Append(Num(f));
            h.Append("</tr>");
        }
        h.Append("</table>");
    }

    /// <summary>A grouped horizontal bar chart: per row three bars, the month and its two bases, scaled to the largest.</summary>
    private static void BarChart(StringBuilder h, string id, string title, IReadOnlyList<(string Label, MonthlyCounts Counts)> rows, bool previousYear = true)
    {
        const int labelWidth = 170, barWidth = 260, barHeight = 7, rowHeight = 28;
        (string Class, string Color, Func<MonthlyCounts, int> Pick)[] series =
            [("current", "#3b7dd8", c => c.Current), ("previous-month", "#9bbbe8", c => c.PreviousMonth), ("previous-year", "#c9c9c9", c => c.PreviousYear)];
        if (!previousYear)
            series = series[..2];
        var height = 48 + rows.Count * rowHeight;
        var max = Math.Max(1, rows.Count == 0 ? 1 : rows.Max(r => series.Max(x => x.Pick(r.Counts))));
        h.Append(CultureInfo.InvariantCulture, $"<figure><svg id=\"{id}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{labelWidth + barWidth + 50}\" height=\"{height}\" role=\"img\" aria-label=\"{E(title)}\">");
        h.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"14\" font-weight=\"bold\">{E(title)}</text>");
        for (var i = 0; i < rows.Count; i++)
        {
            var y = 24 + i * rowHeight;
            // Long labels (root-cause names) are cut to fit beside the bars; the full label is in each bar's tooltip.
            var label = rows[i].Label.Length > 12 ? rows[i].Label[..11] + "…" : rows[i].Label;
            h.Append(CultureInfo.InvariantCulture, $"<text class=\"label\" x=\"0\" y=\"{y + 15}\">{E(label)}</text>");
            for (var j = 0; j < series.Length; j++)
            {
                var value = series[j].Pick(rows[i].Counts);
                var w = Math.Max(1, value * barWidth / max);
                h.Append(CultureInfo.InvariantCulture, $"<rect class=\"bar {series[j].Class}\" x=\"{labelWidth}\" y=\"{y + 2 + j * barHeight}\" width=\"{w}\" height=\"{barHeight - 1}\" fill=\"{series[j].Color}\"><title>{E(rows[i].Label)}: {value}</title></rect>");
            }
            h.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth + Math.Max(1, rows[i].Counts.Current * barWidth / max) + 4}\" y=\"{y + 9}\">{rows[i].Counts.Current}</text>");
        }
        var legendY = height - 12;
        h.Append(CultureInfo.InvariantCulture, $"<rect x=\"0\" y=\"{legendY}\" width=\"10\" height=\"10\" fill=\"#3b7dd8\"/><text x=\"14\" y=\"{legendY + 9}\">本月</text>");
        h.Append(CultureInfo.InvariantCulture, $"<rect x=\"60\" y=\"{legendY}\" width=\"10\" height=\"10\" fill=\"#9bbbe8\"/><text x=\"74\" y=\"{legendY + 9}\">上月</text>");
        if (previousYear)
            h.Append(CultureInfo.InvariantCulture, $"<rect x=\"120\" y=\"{legendY}\" width=\"10\" height=\"10\" fill=\"#c9c9c9\"/><text x=\"134\" y=\"{legendY + 9}\">去年同月</text>");
        h.Append("</svg></figure>");
    }

    /// <summary>本月, 上月, 环比增减, 环比 of one hotspot.</summary>
    private static string[] HotspotCountFields(MonthlyHotspot x) =>
    [
        Int(x.Complaints), Int(x.ComplaintsPreviousMonth), Signed(x.Complaints - x.ComplaintsPreviousMonth),
        ChangeRate(x.ComplaintsPreviousMonth == 0 ? 0 : (x.Complaints - x.ComplaintsPreviousMonth) / (double)x.ComplaintsPreviousMonth, x.ComplaintsPreviousMonth),
    ];

    /// <summary>停电信息: the received outage complaints by match (none for a report stored before they were counted).</summary>
    private static (string[] Labels, MonthlyCounts Counts)[] OutageMatchRows(MonthlyOutageMatches? m) => m is null ? [] :
    [
        ([OutageMatchName(OutageMatch.Announced)], m.Announced), ([OutageMatchName(OutageMatch.Unannounced)], m.Unannounced),
        ([OutageMatchName(OutageMatch.None)], m.None),
    ];

    /// <summary>The match's name in the reports (shared with the overnight report).</summary>
    public static string OutageMatchName(OutageMatch match) => match switch
    {
        OutageMatch.Announced => "已公告停电 (提示复核)",
        OutageMatch.Unannounced => "检修未通知",
        OutageMatch.None => "无停电信息",
        _ => match.ToString(),
    };

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Signed(int value) => value.ToString("+0;-0;0", CultureInfo.InvariantCulture);

    /// <summary>The change as a percentage, "-" when there is no base to compare with.</summary>
    private static string ChangeRate(double rate, int previous) =>
        previous == 0 ? "-" : (rate * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + "%";

    private static string Num(string value) => "<td class=n>" + E(value) + "</td>";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
