using System.Text;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Reporting;
using Dapper;
using Grpc.Core;
using static ComplaintGrpc.IntegrationTests.Reports.AnalysisReportFixture;

namespace ComplaintGrpc.IntegrationTests.Reports;

/// <summary>
/// The monthly analysis report of 2026-10 over the cases <see cref="AnalysisReportFixture"/> seeds, every figure
/// worked out by hand. Received in October: O1-O5; in September: S1, S2, S3, A1; in October 2025: Y1, Y2. Closed in
/// October: O1 (属实, weather_external), O3 (不属实), S2 (部分属实, equipment_grid + skills); in September: S1 (不属实);
/// in October 2025: Y1 (属实, weather_external). Units as now: O1, O3, S2, Y1 at the station (under city A), O5 and S3
/// at city A, O2 and S1 at city B; O4, A1, Y2 undispatched. O3's finding is changed to 属实 after the cut-off: the
/// October figures still count it as 不属实, with no service_awareness cause.
/// Hotspots (the month against September; G1 on 31 August is outside both): substation 东山变 at the station O1, O3
/// (S2 before), 枫桥变 at city B O2 (S1); feeder 东山线 at the station O1, O3 (S2), 枫桥线 at city B O2 (S1), 秦淮线
/// at city A O5 (none; S3 was on 玄武线); transformer area 东山1号台区 at the station O1, O3 (S2) and undispatched O4.
/// Repeats (30-day window, any channel): O3 (O1's customer), O5 (O2's phone); A1 (S2's account); Y2 (Y1's address);
/// O4 shares S3's phone 35 days later: no repeat. Rectifications: opened in October R-not-met, R-late, R-open,
/// R-cancelled, in September R-met, a year before R-year; completed R-not-met (October; R-late on 1 November), R-met
/// (September), R-year; evaluated in October R-met (met) and R-not-met, a year before R-year (met).
/// </summary>
public sealed class AnalysisReportTests(AnalysisReportFixture host) : IClassFixture<AnalysisReportFixture>
{
    private async Task<AnalysisReport> ReportAsync(string month = Month)
    {
        try
        {
            return (await host.ReportClient.RunAnalysisReportAsync(new RunAnalysisReportRequest { Month = month })).Report;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Internal)
        {
            throw new InvalidOperationException("The run failed; server log:\n" + string.Join("\n", host.Logs.Lines.Where(l => l.Contains("rror") || l.Contains("xception"))), e);
        }
    }

    private static MonthlyCounts Counts(int current, int previousMonth, int previousYear) => new()
    {
        Current = current, PreviousMonth = previousMonth, PreviousYear = previousYear,
        MonthOnMonthChange = current - previousMonth, MonthOnMonthRate = previousMonth == 0 ? 0 : (current - previousMonth) / (double)previousMonth,
        YearOnYearChange = current - previousYear, YearOnYearRate = previousYear == 0 ? 0 : (current - previousYear) / (double)previousYear,
    };

    private static Ratio Share(int n, int d) => new() { Numerator = n, Denominator = d, Value = d == 0 ? 0 : n / (double)d };

    [Fact]
    public async Task Every_figure_of_the_hand_worked_month_with_month_on_month_and_year_on_year()
    {
        var report = await ReportAsync();

        Assert.Equal(Month, report.Summary.Month);
        Assert.Equal(Local(2026, 10, 1, 0, 0), report.Summary.PeriodStartTime.ToDateTimeOffset());
        Assert.Equal(Local(2026, 11, 1, 0, 0), report.Summary.CutOffTime.ToDateTimeOffset());
        Assert.Equal("Asia/Shanghai", report.Summary.TimeZone);

        // 5 received against 4 (+1, +25 %) and 2 (+3, +150 %).
        Assert.Equal(Counts(5, 4, 2), report.Received);
        Assert.Equal(1, report.Received.MonthOnMonthChange);
        Assert.Equal(0.25, report.Received.MonthOnMonthRate);
        Assert.Equal(1.5, report.Received.YearOnYearRate);
        Assert.Equal(Counts(3, 1, 1), report.Closed);
        Assert.Equal(Counts(3, 1, 1), report.ClosedWithFinding);

        var categories = report.ByCategory.ToDictionary(c => c.Category);
        Assert.Equal([Category.Service, Category.Business, Category.Outage, Category.SupplyQuality, Category.GridConstruction], report.ByCategory.Select(c => c.Category));
        Assert.Equal(Counts(0, 1, 0), categories[Category.Service].Received);
        Assert.Equal(Counts(1, 0, 1), categories[Category.Business].Received);
        Assert.Equal(Counts(3, 2, 1), categories[Category.Outage].Received);
        Assert.Equal(Counts(1, 1, 0), categories[Category.SupplyQuality].Received);
        Assert.Equal(Counts(0, 0, 0), categories[Category.GridConstruction].Received);
        Assert.Equal([(SubCategory.StaffConduct, Counts(0, 1, 0))], categories[Category.Service].SubCategories.Select(s => (s.SubCategory, s.Received)));
        Assert.Equal([(SubCategory.TariffBilling, Counts(1, 0, 1))], categories[Category.Business].SubCategories.Select(s => (s.SubCategory, s.Received)));
        Assert.Equal([(SubCategory.Outage, Counts(2, 1, 1)), (SubCategory.RepairQuality, Counts(0, 1, 0)), (SubCategory.Reconnection, Counts(1, 0, 0))],
            categories[Category.Outage].SubCategories.Select(s => (s.SubCategory, s.Received)));
        Assert.Equal([(SubCategory.Voltage, Counts(1, 1, 0))], categories[Category.SupplyQuality].SubCategories.Select(s => (s.SubCategory, s.Received)));
        Assert.Empty(categories[Category.GridConstruction].SubCategories);

        Assert.Equal(
            [
                (Channel.Phone95598, Counts(2, 3, 1)), (Channel.AppWeb, Counts(1, 0, 1)), (Channel.Regulator12398, Counts(0, 0, 0)),
                (Channel.CityHotline12345, Counts(1, 1, 0)), (Channel.Counter, Counts(1, 0, 0)), (Channel.Other, Counts(0, 0, 0)),
                (Channel.MediaExposure, Counts(0, 0, 0)), (Channel.IntegrityHotline, Counts(0, 0, 0)),
            ],
            report.ByChannel.OrderBy(c => c.Channel).Select(c => (c.Channel, c.Received)));
        Assert.Equal(8, report.ByChannel.Count);

        // Top units only (depth 0 and 1), subtree roll-up; the county and the station have no row of their own.
        Assert.Equal(
            [
                (Province, "江苏省电力公司", "", 0, Counts(4, 3, 1)),
                (CityA, "南京供电公司", Province, 1, Counts(3, 2, 1)),
                (CityB, "苏州供电公司", Province, 1, Counts(1, 1, 0)),
            ],
            report.ByUnit.Select(u => (u.UnitId, u.Name, u.ParentUnitId, u.Depth, u.Received)));
        Assert.Equal(Counts(1, 1, 1), report.Undispatched);

        Assert.Equal(
            [
                ("equipment_grid", "设备与电网（老化、过载、卡脖子线路）", Counts(1, 0, 0)),
                ("skills", "业务技能", Counts(1, 0, 0)),
                ("weather_external", "天气与外力破坏", Counts(1, 0, 1)),
            ],
            report.ByRootCause.Select(c => (c.CauseCode, c.Name, c.Cases)));

        Assert.Equal(
            [
                (Substantiation.Substantiated, Counts(1, 0, 1), Share(1, 3), Share(0, 1), Share(1, 1)),
                (Substantiation.PartlySubstantiated, Counts(1, 0, 0), Share(1, 3), Share(0, 1), Share(0, 1)),
                (Substantiation.Unsubstantiated, Counts(1, 1, 0), Share(1, 3), Share(1, 1), Share(0, 1)),
            ],
            report.Substantiation.Select(o => (o.Outcome, o.Cases, o.Share, o.SharePreviousMonth, o.SharePreviousYear)));

        // The change after the cut-off is on record (so the figures above show that it was not counted).
        await using (var c = await host.Database.OpenConnectionAsync())
        {
            Assert.Equal(1, await c.ExecuteScalarAsync<int>(
                "SELECT count(*)::int FROM case_findings WHERE version = 2 AND outcome = 'Substantiated' AND recorded_at >= @cutOff",
                new { cutOff = Local(2026, 11, 1, 0, 0).UtcDateTime }));
        }

        Assert.Equal(
            [
                (1, "substation", EastSubstation, Station, "东山供电所", 2, 1),
                (2, "substation", MapleSubstation, CityB, "苏州供电公司", 1, 1),
                (1, "feeder", EastFeeder, Station, "东山供电所", 2, 1),
                (2, "feeder", MapleFeeder, CityB, "苏州供电公司", 1, 1),
                (2, "feeder", QinhuaiFeeder, CityA, "南京供电公司", 1, 0),
                (1, "transformer_area", EastArea, Station, "东山供电所", 2, 1),
                (2, "transformer_area", EastArea, "", "", 1, 0),
            ],
            report.TopHotspots.Hotspots.Select(h => (h.Rank, h.Grain, h.Location, h.UnitId, h.UnitName, h.Complaints, h.ComplaintsPreviousMonth)));

        Assert.Equal(Counts(2, 1, 1), report.Repeats.RepeatCases);
        Assert.Equal((Share(2, 5), Share(1, 4), Share(1, 2)), (report.Repeats.Rate, report.Repeats.RatePreviousMonth, report.Repeats.RatePreviousYear));

        Assert.Equal(Counts(4, 1, 1), report.Rectifications.Opened);
        Assert.Equal(Counts(1, 1, 1), report.Rectifications.Completed);
        Assert.Equal(Counts(2, 0, 1), report.Rectifications.Evaluated);
        Assert.Equal(Counts(1, 0, 1), report.Rectifications.Effective);

        // 停电信息: O1 announced, O2 (and S1 in September) unannounced, O5 (and Y1 a year before) none.
        Assert.Equal((Counts(1, 0, 0), Counts(1, 1, 0), Counts(1, 0, 1)),
            (report.OutageMatches.Announced, report.OutageMatches.Unannounced, report.OutageMatches.None));
    }

    [Fact]
    public async Task A_report_without_the_late_sections_says_so_instead_of_showing_zeros()
    {
        var report = await ReportAsync();
        report.TopHotspots = null;
        report.Repeats = null;
        report.Rectifications = null;
        report.OutageMatches = null;

        var html = Encoding.UTF8.GetString(AnalysisReportFiles.Html(report));
        foreach (var id in new[] { "pending-hotspots", "pending-repeats", "pending-rectifications", "pending-outage-matches" })
            Assert.Contains($"id=\"{id}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"table-hotspots\"", html, StringComparison.Ordinal);
        Assert.Equal(["指标,本月,上月,环比增减,环比,去年同月,同比增减,同比,本月重复率,上月重复率,去年同月重复率"],
            CsvLines(AnalysisReportFiles.Csv(report, AnalysisReportTable.Repeats)));
        Assert.DoesNotContain("id=\"table-outage-matches\"", html, StringComparison.Ordinal);
        Assert.Equal(["停电信息匹配,本月,上月,环比增减,环比,去年同月,同比增减,同比"], CsvLines(AnalysisReportFiles.Csv(report, AnalysisReportTable.OutageMatches)));
    }

    [Fact]
    public async Task Concurrent_runs_of_one_month_compute_and_store_it_once()
    {
        const string month = "2026-06";
        var runs = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            host.ReportClient.RunAnalysisReportAsync(new RunAnalysisReportRequest { Month = month }).ResponseAsync));

        Assert.Single(runs, r => r.Computed);
        Assert.Single(runs.Select(r => r.RunId).Distinct());
        Assert.All(runs, r => Assert.Equal(1, r.Report.Summary.Generation));
        await using var c = await host.Database.OpenConnectionAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<int>("SELECT count(*)::int FROM analysis_reports WHERE month = '2026-06-01'"));
        Assert.Equal(1, await c.ExecuteScalarAsync<int>("SELECT count(*)::int FROM report_runs WHERE kind = 'Monthly' AND report_date = '2026-06-01'"));

        var again = await host.ReportClient.RunAnalysisReportAsync(new RunAnalysisReportRequest { Month = month });
        Assert.False(again.Computed);
        Assert.Equal(runs[0].Report, again.Report);

        var replaced = await host.ReportClient.RunAnalysisReportAsync(new RunAnalysisReportRequest { Month = month, Replace = true });
        Assert.True(replaced.Computed);
        Assert.Equal(2, replaced.Report.Summary.Generation);
        Assert.NotEqual(runs[0].RunId, replaced.RunId);
        Assert.Equal(1, await c.ExecuteScalarAsync<int>("SELECT count(*)::int FROM analysis_reports WHERE month = '2026-06-01'"));
        Assert.Equal(replaced.Report, await host.ReportClient.GetAnalysisReportAsync(new GetAnalysisReportRequest { Month = month }));
    }

    [Fact]
    public async Task A_month_not_ended_or_malformed_is_refused_with_details()
    {
        var notPast = await Assert.ThrowsAsync<RpcException>(() => host.ReportClient.RunAnalysisReportAsync(new RunAnalysisReportRequest { Month = "2026-11" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, notPast.StatusCode);
        Assert.Equal("REPORT_MONTH_NOT_PAST", Sample.ErrorInfo(notPast).Reason);

        foreach (var bad in new[] { "", "2026-13", "2026-1", "1999-12", "2026-10-01" })
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => host.ReportClient.RunAnalysisReportAsync(new RunAnalysisReportRequest { Month = bad }).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Equal("month", Assert.Single(Sample.BadFields(e)));
        }
        var missing = await Assert.ThrowsAsync<RpcException>(() => host.ReportClient.GetAnalysisReportAsync(new GetAnalysisReportRequest { Month = "2001-01" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Equal("REPORT_NOT_FOUND", Sample.ErrorInfo(missing).Reason);
    }

    [Fact]
    public async Task The_list_pages_newest_month_first()
    {
        foreach (var month in new[] { "2025-01", "2025-02", "2025-03" })
            await ReportAsync(month);
        var seen = new List<string>();
        var token = "";
        do
        {
            var page = await host.ReportClient.ListAnalysisReportsAsync(new ListAnalysisReportsRequest { PageSize = 2, PageToken = token });
            Assert.True(page.Reports.Count <= 2);
            seen.AddRange(page.Reports.Select(r => r.Month));
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        Assert.Equal(seen.OrderByDescending(m => m, StringComparer.Ordinal), seen);
        Assert.Equal(seen.Distinct(), seen);
        Assert.Subset(seen.ToHashSet(), new HashSet<string> { "2025-01", "2025-02", "2025-03" });

        var bad = await Assert.ThrowsAsync<RpcException>(() => host.ReportClient.ListAnalysisReportsAsync(new ListAnalysisReportsRequest { PageToken = "xyz" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Equal(["page_token"], Sample.BadFields(bad));
    }

    [Fact]
    public async Task The_list_page_token_is_the_shared_key_page_token_of_the_last_month_listed()
    {
        foreach (var month in new[] { "2025-01", "2025-02", "2025-03" })
            await ReportAsync(month);
        var first = await host.ReportClient.ListAnalysisReportsAsync(new ListAnalysisReportsRequest { PageSize = 1 });
        static void Clear(ListAnalysisReportsRequest r) { r.PageSize = 0; r.PageToken = ""; }
        Assert.Equal(first.Reports[0].Month, ComplaintGrpc.Server.Evaluation.KeyPageToken.Decode(new ListAnalysisReportsRequest(), first.NextPageToken, Clear));
        // The page size may change between pages; the token of the hand-made form used before is refused.
        var second = await host.ReportClient.ListAnalysisReportsAsync(new ListAnalysisReportsRequest { PageSize = 5, PageToken = first.NextPageToken });
        Assert.All(second.Reports, r => Assert.True(string.CompareOrdinal(r.Month, first.Reports[0].Month) < 0));
        var old = System.Buffers.Text.Base64Url.EncodeToString(Encoding.UTF8.GetBytes("month:" + first.Reports[0].Month));
        var e = await Assert.ThrowsAsync<RpcException>(() => host.ReportClient.ListAnalysisReportsAsync(new ListAnalysisReportsRequest { PageToken = old }).ResponseAsync);
        Assert.Equal(["page_token"], Sample.BadFields(e));
    }

    private async Task<(string Name, string ContentType, byte[] Bytes)> DownloadAsync(ReportFormat format, AnalysisReportTable table = AnalysisReportTable.Unspecified)
    {
        await ReportAsync();
        using var call = host.ReportClient.DownloadAnalysisReport(new DownloadAnalysisReportRequest { Month = Month, Format = format, Table = table });
        var bytes = new List<byte>();
        var (name, type) = ("", "");
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            if (chunk.FileName.Length > 0)
                (name, type) = (chunk.FileName, chunk.ContentType);
            bytes.AddRange(chunk.Data);
        }
        return (name, type, bytes.ToArray());
    }

    private static string[] CsvLines(byte[] bytes)
    {
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        return Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task The_csv_tables_carry_the_figures_with_chinese_headers_and_names()
    {
        var (name, type, bytes) = await DownloadAsync(ReportFormat.Csv, AnalysisReportTable.Category);
        Assert.Equal(("analysis-2026-10-category.csv", "text/csv; charset=utf-8"), (name, type));
        var lines = CsvLines(bytes);
        Assert.Equal("投诉分类,细类,本月,上月,环比增减,环比,去年同月,同比增减,同比", lines[0]);
        Assert.Contains("停送电投诉,小计,3,2,+1,+50.0%,1,+2,+200.0%", lines);
        Assert.Contains("停送电投诉,复电,1,0,+1,-,0,+1,-", lines);
        Assert.Contains("服务投诉,服务行为,0,1,-1,-100.0%,0,0,-", lines);

        lines = CsvLines((await DownloadAsync(ReportFormat.Csv, AnalysisReportTable.Unit)).Bytes);
        Assert.Equal(
            [
                "单位编码,单位名称,层级,本月,上月,环比增减,环比,去年同月,同比增减,同比",
                "ma-province,江苏省电力公司,0,4,3,+1,+33.3%,1,+3,+300.0%",
                "ma-city-a,南京供电公司,1,3,2,+1,+50.0%,1,+2,+200.0%",
                "ma-city-b,苏州供电公司,1,1,1,0,0.0%,0,+1,-",
                ",未派单,,1,1,0,0.0%,1,0,0.0%",
            ], lines);

        lines = CsvLines((await DownloadAsync(ReportFormat.Csv, AnalysisReportTable.Substantiation)).Bytes);
        Assert.Equal(
            [
                "认定结果,本月,上月,环比增减,环比,去年同月,同比增减,同比,本月占比,上月占比,去年同月占比",
                "属实,1,0,+1,-,1,0,0.0%,33.3%,0.0%,100.0%",
                "部分属实,1,0,+1,-,0,+1,-,33.3%,0.0%,0.0%",
                "不属实,1,1,0,0.0%,0,+1,-,33.3%,100.0%,0.0%",
            ], lines);

        lines = CsvLines((await DownloadAsync(ReportFormat.Csv, AnalysisReportTable.RootCause)).Bytes);
        Assert.Equal("weather_external,天气与外力破坏,1,0,+1,-,1,0,0.0%", lines[^1]);
        lines = CsvLines((await DownloadAsync(ReportFormat.Csv, AnalysisReportTable.Channel)).Bytes);
        Assert.Contains("95598热线,2,3,-1,-33.3%,1,+1,+100.0%", lines);
        lines = CsvLines((await DownloadAsync(ReportFormat.Csv, AnalysisReportTable.Hotspots)).Bytes);
        Assert.Equal(
            [
                "粒度,位置,单位编码,单位名称,名次,本月,上月,环比增减,环比",
                "变电站,110kV东山变,ma-station,东山供电所,1,2,1,+1,+100.0%",
                "变电站,110kV枫桥变,ma-city-b,苏州供电公司,2,1,1,0,0.0%",
                "线路,10kV东山线,ma-station,东山供电所,1,2,1,+1,+100.0%",
                "线路,10kV枫桥线,ma-city-b,苏州供电公司,2,1,1,0,0.0%",
                "线路,10kV秦淮线,ma-city-a,南京供电公司,2,1,0,+1,-",
                "台区,东山1号台区,ma-station,东山供电所,1,2,1,+1,+100.0%",
                "台区,东山1号台区,,,2,1,0,+1,-",
            ], lines);
        lines = CsvLines((await DownloadAsync(ReportFormat.Csv, AnalysisReportTable.Repeats)).Bytes);
        Assert.Equal(
            [
                "指标,本月,上月,环比增减,环比,去年同月,同比增减,同比,本月重复率,上月重复率,去年同月重复率",
                "重复投诉,2,1,+1,+100.0%,1,+1,+100.0%,40.0%,25.0%,50.0%",
            ], lines);
        lines = CsvLines((await DownloadAsync(ReportFormat.Csv, AnalysisReportTable.Rectifications)).Bytes);
        Assert.Equal(
            [
                "整改,本月,上月,环比增减,环比,去年同月,同比增减,同比",
                "新开,4,1,+3,+300.0%,1,+3,+300.0%",
                "完成,1,1,0,0.0%,1,0,0.0%",
                "评估,2,0,+2,-,1,+1,+100.0%",
                "有效 (达标),1,0,+1,-,1,0,0.0%",
            ], lines);
        lines = CsvLines((await DownloadAsync(ReportFormat.Csv, AnalysisReportTable.OutageMatches)).Bytes);
        Assert.Equal(
            [
                "停电信息匹配,本月,上月,环比增减,环比,去年同月,同比增减,同比",
                "已公告停电 (提示复核),1,0,+1,-,0,+1,-",
                "检修未通知,1,1,0,0.0%,0,+1,-",
                "无停电信息,1,0,+1,-,1,0,0.0%",
            ], lines);
        lines = CsvLines((await DownloadAsync(ReportFormat.Csv, AnalysisReportTable.Totals)).Bytes);
        Assert.Equal(["指标,本月,上月,环比增减,环比,去年同月,同比增减,同比", "受理,5,4,+1,+25.0%,2,+3,+150.0%", "归档,3,1,+2,+200.0%,1,+2,+200.0%", "有认定归档,3,1,+2,+200.0%,1,+2,+200.0%"], lines);
    }

    [Fact]
    public async Task A_download_without_a_table_for_csv_is_invalid()
    {
        using var call = host.ReportClient.DownloadAnalysisReport(new DownloadAnalysisReportRequest { Month = Month, Format = ReportFormat.Csv });
        var e = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext());
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal("table", Assert.Single(Sample.BadFields(e)));
    }

    [Fact]
    public async Task The_html_page_has_the_charts_and_tables_of_every_section()
    {
        var (name, type, bytes) = await DownloadAsync(ReportFormat.Html);
        Assert.Equal(("analysis-2026-10.html", "text/html; charset=utf-8"), (name, type));
        var html = Encoding.UTF8.GetString(bytes);
        Assert.Contains("<title>投诉分析月报 2026-10</title>", html, StringComparison.Ordinal);
        foreach (var id in new[] { "chart-category", "chart-channel", "chart-unit", "chart-root-cause", "chart-substantiation",
                     "table-totals", "table-category", "table-channel", "table-unit", "table-root-cause", "table-substantiation",
                     "chart-hotspots", "chart-repeats", "chart-rectifications", "table-hotspots", "table-repeats", "table-rectifications",
                     "chart-outage-matches", "table-outage-matches" })
            Assert.Contains($"id=\"{id}\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("pending-", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>线路</td><td>10kV秦淮线</td><td>南京供电公司</td><td class=n>2</td><td class=n>1</td><td class=n>0</td><td class=n>+1</td><td class=n>-</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>台区</td><td>东山1号台区</td><td>未派单</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td>重复投诉</td><td class=n>2</td><td class=n>1</td><td class=n>+1</td><td class=n>+100.0%</td><td class=n>1</td><td class=n>+1</td><td class=n>+100.0%</td><td class=n>40.0%</td><td class=n>25.0%</td><td class=n>50.0%</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td>有效 (达标)</td><td class=n>1</td><td class=n>0</td>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>检修未通知</td><td class=n>1</td><td class=n>1</td><td class=n>0</td><td class=n>0.0%</td><td class=n>0</td><td class=n>+1</td><td class=n>-</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<td>停送电投诉</td><td>小计</td><td class=n>3</td><td class=n>2</td><td class=n>+1</td><td class=n>+50.0%</td>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }
}
