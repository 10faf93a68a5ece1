using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Organization;

/// <summary>ListUnits, ListHandlers, ListCalendarYears and ListReports, unpaged before, page by page_size and
/// page_token: the pages together are the unpaged answer in its order, a request without page_size still gets it in
/// one page, and a token is good only for the list and filters it came from.</summary>
public sealed class PagedListTests(ServerHost host) : IClassFixture<ServerHost>
{
    private OrganizationService.OrganizationServiceClient Organization => host.Organization;

    /// <summary>Every page of a list, following next_page_token until it is empty.</summary>
    private static async Task<List<List<TItem>>> PagesAsync<TItem>(Func<string, Task<(IEnumerable<TItem> Items, string Next)>> page)
    {
        var pages = new List<List<TItem>>();
        var token = "";
        do
        {
            var (items, next) = await page(token);
            pages.Add(items.ToList());
            token = next;
            Assert.True(pages.Count <= 100, "the list never ended");
        }
        while (token.Length > 0);
        return pages;
    }

    [Fact]
    public async Task Units_page_in_tree_order_and_pages_of_one_add_up_to_the_unpaged_subtree()
    {
        var org = await Sample.OrganizationAsync(Organization);
        var unpaged = await Organization.ListUnitsAsync(new ListUnitsRequest { RootUnitId = org.Province });
        Assert.Equal([org.Province, org.City, org.County, org.Station], unpaged.Units.Select(u => u.UnitId));
        Assert.Empty(unpaged.NextPageToken);

        var pages = await PagesAsync<Unit>(async token =>
        {
            var r = await Organization.ListUnitsAsync(new ListUnitsRequest { RootUnitId = org.Province, PageSize = 1, PageToken = token });
            return (r.Units, r.NextPageToken);
        });
        Assert.Equal(4, pages.Count);
        Assert.All(pages, p => Assert.Single(p));
        Assert.Equal(unpaged.Units, pages.SelectMany(p => p));

        var pairs = await PagesAsync<Unit>(async token =>
        {
            var r = await Organization.ListUnitsAsync(new ListUnitsRequest { RootUnitId = org.Province, PageSize = 3, PageToken = token });
            return (r.Units, r.NextPageToken);
        });
        Assert.Equal([3, 1], pairs.Select(p => p.Count));
    }

    [Fact]
    public async Task Handlers_page_by_handler_id()
    {
        var org = await Sample.OrganizationAsync(Organization);
        foreach (var name in new[] { "王强", "张敏", "刘洋" })
        {
            await Organization.CreateHandlerAsync(new CreateHandlerRequest
            {
                Handler = new Handler { HandlerId = Sample.Id("h"), UnitId = org.Station, Name = name },
            });
        }
        var unpaged = await Organization.ListHandlersAsync(new ListHandlersRequest { UnitId = org.Station });
        Assert.Equal(4, unpaged.Handlers.Count);
        Assert.Empty(unpaged.NextPageToken);

        var pages = await PagesAsync<Handler>(async token =>
        {
            var r = await Organization.ListHandlersAsync(new ListHandlersRequest { UnitId = org.Station, PageSize = 3, PageToken = token });
            return (r.Handlers, r.NextPageToken);
        });
        Assert.Equal([3, 1], pages.Select(p => p.Count));
        Assert.Equal(unpaged.Handlers, pages.SelectMany(p => p));
        Assert.Equal(unpaged.Handlers.Select(h => h.HandlerId).Order(StringComparer.Ordinal), unpaged.Handlers.Select(h => h.HandlerId));
    }

    [Fact]
    public async Task Calendar_years_page_oldest_first()
    {
        var sla = new SlaService.SlaServiceClient(host.Channel);
        var unpaged = await sla.ListCalendarYearsAsync(new ListCalendarYearsRequest());
        Assert.True(unpaged.Years.Count >= 2, $"the shipped calendar has {unpaged.Years.Count} year(s); paging needs two");
        Assert.Empty(unpaged.NextPageToken);

        var pages = await PagesAsync<CalendarYearSummary>(async token =>
        {
            var r = await sla.ListCalendarYearsAsync(new ListCalendarYearsRequest { PageSize = 1, PageToken = token });
            return (r.Years, r.NextPageToken);
        });
        Assert.Equal(unpaged.Years.Count, pages.Count);
        Assert.Equal(unpaged.Years, pages.SelectMany(p => p));
    }

    [Fact]
    public async Task Reports_page_newest_first()
    {
        var reports = new ReportService.ReportServiceClient(host.Channel);
        foreach (var date in new[] { "2026-03-02", "2026-03-03", "2026-03-04" })
            await reports.RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = date, Wait = true });

        var unpaged = await reports.ListReportsAsync(new ListReportsRequest());
        Assert.Equal(["2026-03-04", "2026-03-03", "2026-03-02"], unpaged.Reports.Select(r => r.ReportDate));
        Assert.Empty(unpaged.NextPageToken);

        var pages = await PagesAsync<ReportSummary>(async token =>
        {
            var r = await reports.ListReportsAsync(new ListReportsRequest { PageSize = 2, PageToken = token });
            return (r.Reports, r.NextPageToken);
        });
        Assert.Equal([2, 1], pages.Select(p => p.Count));
        Assert.Equal(unpaged.Reports, pages.SelectMany(p => p));
    }

    [Fact]
    public async Task A_token_from_other_filters_a_forged_token_and_a_page_size_out_of_range_are_invalid_arguments()
    {
        var org = await Sample.OrganizationAsync(Organization);
        var first = await Organization.ListUnitsAsync(new ListUnitsRequest { RootUnitId = org.City, PageSize = 1 });
        Assert.NotEmpty(first.NextPageToken);

        async Task AssertInvalid(string field, Func<Task> call)
        {
            var e = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Equal([field], Sample.BadFields(e));
        }

        await AssertInvalid("page_token", () => Organization.ListUnitsAsync(
            new ListUnitsRequest { RootUnitId = org.Province, PageSize = 1, PageToken = first.NextPageToken }).ResponseAsync);
        await AssertInvalid("page_token", () => Organization.ListHandlersAsync(
            new ListHandlersRequest { UnitId = org.Station, PageToken = first.NextPageToken }).ResponseAsync);
        await AssertInvalid("page_token", () => Organization.ListUnitsAsync(new ListUnitsRequest { PageToken = "not-a-token" }).ResponseAsync);
        await AssertInvalid("page_size", () => Organization.ListUnitsAsync(new ListUnitsRequest { PageSize = 1001 }).ResponseAsync);
        await AssertInvalid("page_size", () => Organization.ListHandlersAsync(new ListHandlersRequest { UnitId = org.Station, PageSize = -1 }).ResponseAsync);
        var sla = new SlaService.SlaServiceClient(host.Channel);
        await AssertInvalid("page_size", () => sla.ListCalendarYearsAsync(new ListCalendarYearsRequest { PageSize = 101 }).ResponseAsync);
        await AssertInvalid("page_token", () => sla.ListCalendarYearsAsync(new ListCalendarYearsRequest { PageToken = first.NextPageToken }).ResponseAsync);
        var reports = new ReportService.ReportServiceClient(host.Channel);
        await AssertInvalid("page_token", () => reports.ListReportsAsync(new ListReportsRequest { PageToken = first.NextPageToken }).ResponseAsync);
    }
}
