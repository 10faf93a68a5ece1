using System.Text;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Grpc.Core;
using static ComplaintGrpc.IntegrationTests.Reports.ReportFixture;

namespace ComplaintGrpc.IntegrationTests.Reports;

/// <summary>
/// The live overdue list (ListOverdueClocks, DownloadOverdueClocks) over <see cref="ReportFixture"/>'s cases, as at the
/// fixture's "now", 13 Oct 10:00 +08:00, worked out by hand: open and not suspended now are A, C, E, F, G, J, K, M
/// (B is suspended). M was dispatched at 09:00, which stopped its dispatch clock; its first contact fell due at
/// exactly 10:00, so it counts (due at or before the instant, as for a breach). J and K run new reply rounds due later;
/// G's first contact is due at 20:00.
/// </summary>
public sealed class OverdueListTests(ReportFixture host) : IClassFixture<ReportFixture>
{
    private static readonly DateTimeOffset Now = Local(2026, 10, 13, 10, 0);

    private static readonly (string Key, ClockKind Clock, string Unit, DateTimeOffset Due)[] Expected =
    [
        ("A", ClockKind.Reply, Station1, Local(2026, 9, 24, 0, 0)),
        ("C", ClockKind.FirstContact, Station1, Local(2026, 10, 1, 16, 0)),
        ("E", ClockKind.FirstContact, Station2, Local(2026, 10, 10, 10, 0)),
        ("F", ClockKind.Dispatch, "", Local(2026, 10, 12, 9, 30)),
        ("F", ClockKind.FirstContact, "", Local(2026, 10, 12, 21, 0)),
        ("C", ClockKind.Reply, Station1, Local(2026, 10, 13, 0, 0)),
        ("M", ClockKind.FirstContact, Station1, Local(2026, 10, 13, 10, 0)),
    ];

    private (string CaseNumber, ClockKind Clock, string Unit, DateTimeOffset Due, TimeSpan OverdueBy)[] Rows(
        IEnumerable<(string Key, ClockKind Clock, string Unit, DateTimeOffset Due)> rows) =>
        [.. rows.Select(r => (host.Cases[r.Key].CaseNumber, r.Clock, r.Unit, r.Due, Now - r.Due))];

    private static (string, ClockKind, string, DateTimeOffset, TimeSpan) Row(ClockAlert a) =>
        (a.CaseNumber, a.Clock, a.UnitId, a.DueTime.ToDateTimeOffset().ToOffset(TimeSpan.FromHours(8)), a.OverdueBy.ToTimeSpan());

    private async Task<(List<ClockAlert> Clocks, int Pages)> WalkAsync(ListOverdueClocksRequest request)
    {
        var clocks = new List<ClockAlert>();
        var pages = 0;
        while (true)
        {
            var page = await host.ReportClient.ListOverdueClocksAsync(request);
            pages++;
            Assert.Equal(Now, page.AsOf.ToDateTimeOffset());
            Assert.All(page.Clocks, c => Assert.Null(c.DueIn));
            clocks.AddRange(page.Clocks);
            if (page.NextPageToken.Length == 0)
                return (clocks, pages);
            request = request.Clone();
            request.PageToken = page.NextPageToken;
        }
    }

    [Fact]
    public async Task Pages_walk_every_clock_overdue_now_most_overdue_first()
    {
        var (clocks, pages) = await WalkAsync(new ListOverdueClocksRequest { PageSize = 3 });

        Assert.Equal(3, pages);
        Assert.Equal(Rows(Expected), clocks.Select(Row));
        var a = clocks[0];
        Assert.Equal((host.Cases["A"].Id, "东山供电所", Handler1, "李娜", CaseStatus.Contacted, Level.Normal, Category.Outage),
            (a.ComplaintId, a.UnitName, a.HandlerId, a.HandlerName, a.Status, a.Level, a.Category));
    }

    [Fact]
    public async Task Filters_by_unit_subtree_clock_and_category()
    {
        var county = (await WalkAsync(new ListOverdueClocksRequest { UnitId = County })).Clocks;
        Assert.Equal(Rows(Expected.Where(e => e.Unit.Length > 0)), county.Select(Row));

        var station2 = (await WalkAsync(new ListOverdueClocksRequest { UnitId = Station2 })).Clocks;
        Assert.Equal(Rows(Expected.Where(e => e.Unit == Station2)), station2.Select(Row));

        var firstContact = (await WalkAsync(new ListOverdueClocksRequest { Clock = ClockKind.FirstContact, PageSize = 2 })).Clocks;
        Assert.Equal(Rows(Expected.Where(e => e.Clock == ClockKind.FirstContact)), firstContact.Select(Row));

        // E is the only case of the supply-quality category; the rest are outages.
        var outages = (await WalkAsync(new ListOverdueClocksRequest { Category = Category.Outage, UnitId = Station1 })).Clocks;
        Assert.Equal(Rows(Expected.Where(e => e.Key != "E" && e.Unit == Station1)), outages.Select(Row));
    }

    [Fact]
    public async Task Bad_tokens_filters_and_unknown_units_are_refused()
    {
        var first = await host.ReportClient.ListOverdueClocksAsync(new ListOverdueClocksRequest { PageSize = 2 });
        Assert.NotEmpty(first.NextPageToken);
        var otherFilter = await Assert.ThrowsAsync<RpcException>(() => host.ReportClient.ListOverdueClocksAsync(
            new ListOverdueClocksRequest { PageSize = 2, Clock = ClockKind.Reply, PageToken = first.NextPageToken }).ResponseAsync);
        Assert.Equal(["page_token"], Sample.BadFields(otherFilter));
        var garbage = await Assert.ThrowsAsync<RpcException>(() => host.ReportClient.ListOverdueClocksAsync(
            new ListOverdueClocksRequest { PageToken = "bm90IGEgdG9rZW4" }).ResponseAsync);
        Assert.Equal(["page_token"], Sample.BadFields(garbage));
        var bad = await Assert.ThrowsAsync<RpcException>(() => host.ReportClient.ListOverdueClocksAsync(
            new ListOverdueClocksRequest { PageSize = 1001, Clock = (ClockKind)99, UnitId = "Not A Unit!" }).ResponseAsync);
        Assert.Equal(["clock", "page_size", "unit_id"], Sample.BadFields(bad).Order());
        var missing = await Assert.ThrowsAsync<RpcException>(() => host.ReportClient.ListOverdueClocksAsync(
            new ListOverdueClocksRequest { UnitId = "rp-nowhere" }).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "UNIT_NOT_FOUND"), (missing.StatusCode, Sample.ErrorInfo(missing).Reason));
        var missingCsv = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = host.ReportClient.DownloadOverdueClocks(new DownloadOverdueClocksRequest { UnitId = "rp-nowhere" });
            await call.ResponseStream.MoveNext();
        });
        Assert.Equal(StatusCode.NotFound, missingCsv.StatusCode);
    }

    [Fact]
    public async Task The_csv_download_holds_the_same_clocks_in_the_report_columns()
    {
        using var call = host.ReportClient.DownloadOverdueClocks(new DownloadOverdueClocksRequest());
        var chunks = await call.ResponseStream.ReadAllAsync().ToListAsync();
        Assert.Equal(("overdue-clocks-2026-10-13-1000.csv", "text/csv; charset=utf-8"), (chunks[0].FileName, chunks[0].ContentType));
        Assert.All(chunks.Skip(1), c => Assert.Empty(c.FileName));
        var bytes = chunks.SelectMany(c => c.Data).ToArray();
        Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("工单编号,时限,单位编码,单位名称,处理人编码,处理人,等级,投诉分类,状态,到期时间,超期小时数", lines[0]);
        Assert.Equal($"{host.Cases["A"].CaseNumber},答复,{Station1},东山供电所,{Handler1},李娜,一般,停送电投诉,处理中,2026-09-24 00:00,466.0", lines[1]);
        Assert.Equal(Expected.Select(e => host.Cases[e.Key].CaseNumber), lines[1..].Select(l => l.Split(',')[0]));

        using var filtered = host.ReportClient.DownloadOverdueClocks(new DownloadOverdueClocksRequest { UnitId = Station2 });
        var station2 = Encoding.UTF8.GetString((await filtered.ResponseStream.ReadAllAsync().ToListAsync()).SelectMany(c => c.Data).ToArray()[3..])
            .Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([host.Cases["E"].CaseNumber], station2[1..].Select(l => l.Split(',')[0]));
    }
}
