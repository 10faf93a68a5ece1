using System.Text;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Reporting;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using static ComplaintGrpc.IntegrationTests.Reports.ReportFixture;

namespace ComplaintGrpc.IntegrationTests.Reports;

/// <summary>
/// Every figure of the backlog report of 2026-10-12 over the cases <see cref="ReportFixture"/> seeds, worked out by
/// hand from the scenario (working days: 20 Sep and 10 Oct are make-up days, 25–27 Sep and 1–7 Oct holidays; the
/// cut-off is 13 Oct 00:00 +08:00). Open at the cut-off: A, B, C, E, F, G, J, K, M; closed: H, I, L.
/// </summary>
public sealed class ReportFigureTests(ReportFixture host) : IClassFixture<ReportFixture>
{
    private static readonly DateTimeOffset CutOff = Local(2026, 10, 13, 0, 0);

    private async Task<BacklogReport> ReportAsync()
    {
        try
        {
            return (await host.ReportClient.RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = ReportDate, Wait = true })).Report;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Internal)
        {
            throw new InvalidOperationException("The run failed; server log:\n" + string.Join("\n", host.Logs.Lines.Where(l => l.Contains("rror") || l.Contains("xception"))), e);
        }
    }

    private static BacklogFigures Figures(int open, (CaseStatus, int)[] statuses, (Category, int)[] categories, (Level, int)[] levels,
        (Channel, int)[] channels, int[] ageing, int overdueClocks, int overdueCases, int dueSoon, DayFlow flow, int received30)
    {
        var f = new BacklogFigures
        {
            Open = open,
            Ageing = new AgeingBuckets { Under1 = ageing[0], From1To2 = ageing[1], From3To4 = ageing[2], From5To9 = ageing[3], From10 = ageing[4] },
            OverdueClocks = overdueClocks, OverdueCases = overdueCases, DueWithin24H = dueSoon, Flow = flow, ReceivedLast30Days = received30,
        };
        f.ByStatus.AddRange(statuses.Select(s => new StatusCount { Status = s.Item1, Count = s.Item2 }));
        f.ByCategory.AddRange(categories.Select(s => new CategoryCount { Category = s.Item1, Count = s.Item2 }));
        f.ByLevel.AddRange(levels.Select(s => new LevelCount { Level = s.Item1, Count = s.Item2 }));
        f.ByChannel.AddRange(channels.Select(s => new ChannelCount { Channel = s.Item1, Count = s.Item2 }));
        return f;
    }

    private static Ratio R(int n, int d) => new() { Numerator = n, Denominator = d, Value = d == 0 ? 0 : (double)n / d };

    private static DayFlow Flow(int received = 0, int closed = 0, int reopened = 0, int escalated = 0, Ratio? onTime = null, Ratio? breached = null, Ratio? callbacks = null) =>
        new() { Received = received, Closed = closed, Reopened = reopened, Escalated = escalated, OnTimeReply = onTime ?? R(0, 0), Breached = breached ?? R(0, 0), CallbackSatisfied = callbacks ?? R(0, 0) };

    private static readonly BacklogFigures Empty = Figures(0, [], [], [], [], [0, 0, 0, 0, 0], 0, 0, 0, Flow(), 0);

    private static readonly BacklogFigures Station1Figures = Figures(5,
        [(CaseStatus.Dispatched, 2), (CaseStatus.Contacted, 3)],
        [(Category.Service, 2), (Category.Business, 1), (Category.Outage, 2)],
        [(Level.Normal, 5)],
        [(Channel.Phone95598, 4), (Channel.Counter, 1)],
        [1, 0, 3, 0, 1], overdueClocks: 3, overdueCases: 2, dueSoon: 1,
        Flow(received: 1, closed: 1, reopened: 2, escalated: 1, onTime: R(1, 1), breached: R(0, 1), callbacks: R(1, 2)), received30: 6);

    private static readonly BacklogFigures Station2Figures = Figures(2,
        [(CaseStatus.Accepted, 1), (CaseStatus.Suspended, 1)],
        [(Category.Business, 1), (Category.SupplyQuality, 1)],
        [(Level.Normal, 1), (Level.Important, 1)],
        [(Channel.AppWeb, 1), (Channel.CityHotline12345, 1)],
        [0, 1, 0, 1, 0], overdueClocks: 1, overdueCases: 1, dueSoon: 0,
        Flow(closed: 1, onTime: R(0, 1), breached: R(1, 1), callbacks: R(1, 1)), received30: 4);

    private static readonly BacklogFigures SubtreeOfCity = Figures(7,
        [(CaseStatus.Dispatched, 2), (CaseStatus.Accepted, 1), (CaseStatus.Contacted, 3), (CaseStatus.Suspended, 1)],
        [(Category.Service, 2), (Category.Business, 2), (Category.Outage, 2), (Category.SupplyQuality, 1)],
        [(Level.Normal, 6), (Level.Important, 1)],
        [(Channel.Phone95598, 4), (Channel.AppWeb, 1), (Channel.CityHotline12345, 1), (Channel.Counter, 1)],
        [1, 1, 3, 1, 1], overdueClocks: 4, overdueCases: 3, dueSoon: 1,
        Flow(received: 1, closed: 2, reopened: 2, escalated: 1, onTime: R(1, 2), breached: R(1, 2), callbacks: R(2, 3)), received30: 10);

    private static readonly BacklogFigures UndispatchedFigures = Figures(2,
        [(CaseStatus.Received, 2)],
        [(Category.Outage, 2)],
        [(Level.Normal, 1), (Level.Major, 1)],
        [(Channel.Phone95598, 2)],
        [2, 0, 0, 0, 0], overdueClocks: 3, overdueCases: 2, dueSoon: 1,
        Flow(received: 2), received30: 2);

    private static readonly BacklogFigures TotalFigures = Figures(9,
        [(CaseStatus.Received, 2), (CaseStatus.Dispatched, 2), (CaseStatus.Accepted, 1), (CaseStatus.Contacted, 3), (CaseStatus.Suspended, 1)],
        [(Category.Service, 2), (Category.Business, 2), (Category.Outage, 4), (Category.SupplyQuality, 1)],
        [(Level.Normal, 7), (Level.Important, 1), (Level.Major, 1)],
        [(Channel.Phone95598, 6), (Channel.AppWeb, 1), (Channel.CityHotline12345, 1), (Channel.Counter, 1)],
        [3, 1, 3, 1, 1], overdueClocks: 7, overdueCases: 5, dueSoon: 2,
        Flow(received: 3, closed: 2, reopened: 2, escalated: 1, onTime: R(1, 2), breached: R(1, 2), callbacks: R(2, 3)), received30: 12);

    [Fact]
    public async Task The_scenario_deadlines_are_the_ones_the_figures_assume()
    {
        DateTimeOffset Due(string key, ClockKind clock) => host.Cases[key].Deadlines.Single(d => d.Clock == clock).DueTime.ToDateTimeOffset();
        var c = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = host.Cases["C"].Id });
        Assert.Equal(CutOff, c.Deadlines.Single(d => d.Clock == ClockKind.Reply).DueTime.ToDateTimeOffset());
        Assert.Equal(Local(2026, 9, 24, 0, 0), Due("A", ClockKind.Reply));
        Assert.Equal(Local(2026, 10, 10, 0, 0), Due("I", ClockKind.Reply).ToOffset(TimeSpan.FromHours(8)));
    }

    [Fact]
    public async Task Per_unit_rolled_up_and_total_figures_are_exact()
    {
        var report = await ReportAsync();

        Assert.Equal(TotalFigures, report.Total);
        Assert.Equal(UndispatchedFigures, report.Undispatched);
        Assert.Equal([Province, City, County, Station1, Station2], report.Units.Select(u => u.UnitId));
        Assert.Equal([0, 1, 2, 3, 3], report.Units.Select(u => u.Depth));
        Assert.Equal(["", Province, City, County, County], report.Units.Select(u => u.ParentUnitId));
        var units = report.Units.ToDictionary(u => u.UnitId);
        Assert.Equal(Station1Figures, units[Station1].Own);
        Assert.Equal(Station1Figures, units[Station1].Subtree);
        Assert.Equal(Station2Figures, units[Station2].Own);
        Assert.Equal(Station2Figures, units[Station2].Subtree);
        Assert.Equal(Empty, units[County].Own);
        Assert.Equal(SubtreeOfCity, units[County].Subtree);
        Assert.Equal(Empty, units[City].Own);
        Assert.Equal(SubtreeOfCity, units[City].Subtree);
        Assert.Equal(Empty, units[Province].Own);
        Assert.Equal(SubtreeOfCity, units[Province].Subtree);
        Assert.Equal("东山供电所", units[Station1].Name);
        Assert.Equal(10_000, units[Station1].CustomerCount);
    }

    [Fact]
    public async Task Overdue_and_due_soon_clocks_list_case_numbers_handlers_and_how_long()
    {
        var report = await ReportAsync();
        string N(string key) => host.Cases[key].CaseNumber;

        var overdue = report.Overdue.Select(a => (a.CaseNumber, a.Clock, a.UnitId, a.HandlerId, a.HandlerName, a.Status, a.DueTime.ToDateTimeOffset(), a.OverdueBy.ToTimeSpan())).ToList();
        Assert.Equal(
        [
            (N("A"), ClockKind.Reply, Station1, Handler1, "李娜", CaseStatus.Contacted, Local(2026, 9, 24, 0, 0), TimeSpan.FromHours(456)),
            (N("C"), ClockKind.FirstContact, Station1, "", "", CaseStatus.Dispatched, Local(2026, 10, 1, 16, 0), TimeSpan.FromHours(272)),
            (N("E"), ClockKind.FirstContact, Station2, Handler2, "王强", CaseStatus.Accepted, Local(2026, 10, 10, 10, 0), TimeSpan.FromHours(62)),
            (N("F"), ClockKind.Dispatch, "", "", "", CaseStatus.Received, Local(2026, 10, 12, 9, 30), TimeSpan.FromHours(14.5)),
            (N("M"), ClockKind.Dispatch, "", "", "", CaseStatus.Received, Local(2026, 10, 12, 12, 0), TimeSpan.FromHours(12)),
            (N("F"), ClockKind.FirstContact, "", "", "", CaseStatus.Received, Local(2026, 10, 12, 21, 0), TimeSpan.FromHours(3)),
            (N("C"), ClockKind.Reply, Station1, "", "", CaseStatus.Dispatched, CutOff, TimeSpan.Zero),
        ], overdue);
        Assert.All(report.Overdue, a => Assert.Null(a.DueIn));
        Assert.Equal("东山供电所", report.Overdue[0].UnitName);
        Assert.Equal((Level.Major, Category.Outage), (report.Overdue[3].Level, report.Overdue[3].Category));

        var soon = report.DueSoon.Select(a => (a.CaseNumber, a.Clock, a.UnitId, a.Status, a.DueTime.ToDateTimeOffset(), a.DueIn.ToTimeSpan())).ToList();
        Assert.Equal(
        [
            (N("M"), ClockKind.FirstContact, "", CaseStatus.Received, Local(2026, 10, 13, 10, 0), TimeSpan.FromHours(10)),
            (N("G"), ClockKind.FirstContact, Station1, CaseStatus.Dispatched, Local(2026, 10, 13, 20, 0), TimeSpan.FromHours(20)),
        ], soon);
    }

    [Fact]
    public async Task Trend_and_rankings_are_exact()
    {
        var report = await ReportAsync();

        var expectedTrend = Enumerable.Range(0, 14).Select(i => new DateOnly(2026, 9, 29).AddDays(i)).Select(d => new TrendDay
        {
            Date = d.ToString("yyyy-MM-dd"),
            Received = d == new DateOnly(2026, 9, 30) ? 1 : d == new DateOnly(2026, 10, 8) ? 3 : d == new DateOnly(2026, 10, 9) ? 2 : d == new DateOnly(2026, 10, 12) ? 3 : 0,
            Closed = d == new DateOnly(2026, 10, 9) ? 2 : d == new DateOnly(2026, 10, 12) ? 2 : 0,
        });
        Assert.Equal(expectedTrend, report.Trend);

        Assert.Equal(
        [
            new UnitRank { Rank = 1, UnitId = Station1, UnitName = "东山供电所", Value = 3 },
            new UnitRank { Rank = 2, UnitId = Station2, UnitName = "秣陵供电所", Value = 1 },
        ], report.TopOverdue);
        // Station 2 and the county have no known customer count and are not ranked per 10,000 customers.
        Assert.Equal(
        [
            new UnitRank { Rank = 1, UnitId = Station1, UnitName = "东山供电所", Value = 6 * 10_000.0 / 10_000, Complaints = 6, CustomerCount = 10_000 },
            new UnitRank { Rank = 2, UnitId = City, UnitName = "南京供电公司", Value = 10 * 10_000.0 / 200_000, Complaints = 10, CustomerCount = 200_000 },
            new UnitRank { Rank = 3, UnitId = Province, UnitName = "江苏省电力公司", Value = 10 * 10_000.0 / 1_000_000, Complaints = 10, CustomerCount = 1_000_000 },
        ], report.TopPer10KCustomers);
    }

    [Fact]
    public async Task Top_hotspot_feeders_of_the_30_days_are_ranked_by_the_units_the_cases_are_at()
    {
        var report = await ReportAsync();
        // Every case is on the sample feeder. In the 30 days to the cut-off: station 1 holds A, C, G, H, J, K and M
        // (dispatched after the cut-off, counted where it is now), station 2 holds B, E, I, L, and F is undispatched.
        // Nothing was received in the 30 days before.
        Assert.Equal(
        [
            new ReportHotspot { Rank = 1, Feeder = "10kV东山线", UnitId = Station1, UnitName = "东山供电所", Count = 7 },
            new ReportHotspot { Rank = 2, Feeder = "10kV东山线", UnitId = Station2, UnitName = "秣陵供电所", Count = 4 },
            new ReportHotspot { Rank = 3, Feeder = "10kV东山线", UnitId = "", UnitName = "", Count = 1 },
        ], report.TopHotspots);
    }

    [Fact]
    public async Task A_rerun_replaces_the_report_of_the_date_and_the_latest_is_served()
    {
        var first = await ReportAsync();
        var second = await ReportAsync();
        Assert.Equal(first.Summary.Generation + 1, second.Summary.Generation);
        Assert.Equal(ReportTrigger.Administrator, second.Summary.Trigger);
        Assert.Equal("report-admin", second.Summary.RequestedBy);
        Assert.Equal(Timestamp.FromDateTimeOffset(CutOff), second.Summary.CutOffTime);
        Assert.Equal("Asia/Shanghai", second.Summary.TimeZone);
        Assert.True(second.Summary.CalendarCovered);

        var list = await host.ReportClient.ListReportsAsync(new ListReportsRequest());
        var only = Assert.Single(list.Reports);
        Assert.Equal((ReportDate, second.Summary.Generation), (only.ReportDate, only.Generation));

        var latest = await host.ReportClient.GetBacklogReportAsync(new GetBacklogReportRequest());
        Assert.Equal(second, latest);
        Assert.Equal(second, await host.ReportClient.GetBacklogReportAsync(new GetBacklogReportRequest { ReportDate = ReportDate }));
        // The figures did not change between the runs: nothing happened to the cases.
        Assert.Equal(first.Total, second.Total);
    }

    [Fact]
    public async Task Dates_not_yet_past_missing_reports_and_bad_requests_are_refused()
    {
        var notPast = await Assert.ThrowsAsync<RpcException>(() => host.ReportClient.RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = "2026-10-13", Wait = true }).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "REPORT_DATE_NOT_PAST"), (notPast.StatusCode, Sample.ErrorInfo(notPast).Reason));
        var missing = await Assert.ThrowsAsync<RpcException>(() => host.ReportClient.GetBacklogReportAsync(new GetBacklogReportRequest { ReportDate = "2026-10-01" }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "REPORT_NOT_FOUND"), (missing.StatusCode, Sample.ErrorInfo(missing).Reason));
        var bad = await Assert.ThrowsAsync<RpcException>(() => host.ReportClient.RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = "12/10/2026" }).ResponseAsync);
        Assert.Equal(["report_date"], Sample.BadFields(bad));
        await ReportAsync();
        var noTable = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = host.ReportClient.DownloadReport(new DownloadReportRequest { Format = ReportFormat.Csv });
            await call.ResponseStream.MoveNext();
        });
        Assert.Equal(["table"], Sample.BadFields(noTable));
    }

    [Fact]
    public async Task Csv_tables_are_utf8_with_bom_and_chinese_names()
    {
        await ReportAsync();
        var (name, type, bytes) = await DownloadAsync(ReportFormat.Csv, ReportTable.Overdue);
        Assert.Equal(($"backlog-{ReportDate}-overdue.csv", "text/csv; charset=utf-8"), (name, type));
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("工单编号,时限,单位编码,单位名称,处理人编码,处理人,等级,投诉分类,状态,到期时间,超期小时数", lines[0]);
        Assert.Equal($"{host.Cases["A"].CaseNumber},答复,{Station1},东山供电所,{Handler1},李娜,一般,停送电投诉,处理中,2026-09-24 00:00,456.0", lines[1]);
        Assert.Equal(8, lines.Length);

        var backlog = Encoding.UTF8.GetString((await DownloadAsync(ReportFormat.Csv, ReportTable.Backlog)).Bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("单位编码,单位名称,层级,在途工单,已受理,已派单,待签收,已签收,处理中,已答复,已回访,已归档,已挂起,审核中,服务投诉,营业投诉", backlog[0]);
        Assert.StartsWith(",全部,-1,9,2,2,0,1,3,0,0,0,1,0,2,2,4,1,0", backlog[1]);
        Assert.Equal(1 + 1 + 5 + 1, backlog.Length);

        var trend = Encoding.UTF8.GetString((await DownloadAsync(ReportFormat.Csv, ReportTable.Trend)).Bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["日期,受理,归档", "2026-09-29,0,0", "2026-09-30,1,0"], trend[..3]);
        Assert.Equal("2026-10-12,3,2", trend[^1]);
    }

    [Fact]
    public async Task Outage_complaints_are_counted_by_notice_match_received_on_the_day_and_open_at_the_cut_off_in_every_output()
    {
        var report = await ReportAsync();
        // Received on the day: F (announced), M (unannounced). Open at the cut-off: those and A (no notice); I and L are closed.
        Assert.Equal(new ReportOutageMatches
        {
            Received = new OutageMatchCounts { Announced = 1, Unannounced = 1, None = 0 },
            Open = new OutageMatchCounts { Announced = 1, Unannounced = 1, None = 1 },
        }, report.OutageMatches);
        Assert.Equal(report.OutageMatches, (await host.ReportClient.GetBacklogReportAsync(new GetBacklogReportRequest { ReportDate = ReportDate })).OutageMatches);

        var (name, _, bytes) = await DownloadAsync(ReportFormat.Csv, ReportTable.OutageMatches);
        Assert.Equal($"backlog-{ReportDate}-outage-matches.csv", name);
        Assert.Equal(["停电信息匹配,当日受理,截止时在途", "已公告停电 (提示复核),1,1", "检修未通知,1,1", "无停电信息,0,1"],
            Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
        var html = Encoding.UTF8.GetString((await DownloadAsync(ReportFormat.Html, ReportTable.Unspecified)).Bytes);
        Assert.Contains("<table id=\"table-outage-matches\">", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>已公告停电 (提示复核)</td><td class=n>1</td><td class=n>1</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>无停电信息</td><td class=n>0</td><td class=n>1</td></tr>", html, StringComparison.Ordinal);

        // A report stored before the figures were counted says so rather than showing zeros.
        report.OutageMatches = null;
        Assert.Contains("id=\"pending-outage-matches\"", Encoding.UTF8.GetString(ReportHtml.Render(report)), StringComparison.Ordinal);
        Assert.Equal("停电信息匹配,当日受理,截止时在途\r\n", Encoding.UTF8.GetString(ReportCsv.Render(report, ReportTable.OutageMatches)[3..]));
    }

    private async Task<(string Name, string Type, byte[] Bytes)> DownloadAsync(ReportFormat format, ReportTable table)
    {
        using var call = host.ReportClient.DownloadReport(new DownloadReportRequest { Format = format, Table = table });
        var bytes = new List<byte>();
        string name = "", type = "";
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            if (chunk.FileName.Length > 0)
                (name, type) = (chunk.FileName, chunk.ContentType);
            bytes.AddRange(chunk.Data);
        }
        return (name, type, bytes.ToArray());
    }
}
