using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace ComplaintGrpc.IntegrationTests.Complaints;

/// <summary>The server with every warning rule on, a 7-day repeat window, a hotspot threshold of 3 cases in 7 days, one
/// configured important account and one sensitive keyword.</summary>
public sealed class IntakeHost : ServerHost
{
    public const string ImportantAccount = "VIP7700001";
    public const string Keyword = "媒体";

    protected override void Configure(WebApplicationBuilder builder) =>
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Intake:RepeatWindow"] = "7.00:00:00",
            ["Intake:Warnings:RepeatCustomer:Enabled"] = "true",
            ["Intake:Warnings:RepeatCustomer:MinEarlierCases"] = "1",
            ["Intake:Warnings:ImportantCustomer:AccountNumbers:0"] = ImportantAccount,
            ["Intake:Warnings:SensitiveKeywords:Keywords:0"] = Keyword,
            ["Intake:Warnings:HotspotArea:Enabled"] = "true",
            ["Intake:Warnings:HotspotArea:MinCases"] = "3",
            ["Intake:Warnings:HotspotArea:Window"] = "7.00:00:00",
        });
}

/// <summary>
/// 重复投诉, 催办 and 预警 at intake, and the ListComplaints filters on them. Each test has its own organisation, a
/// supervisor at its province, an intake system bound to that province (the receiving unit), and its own customers
/// and feeders, so counts and notifications are exact.
/// </summary>
public sealed class RepeatAndWarningTests(IntakeHost host) : IClassFixture<IntakeHost>
{
    private sealed record World(Sample.Org Org, string Supervisor, ComplaintService.ComplaintServiceClient Intake, string Feeder);

    private async Task<World> WorldAsync()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var supervisor = Sample.Id("sup");
        await host.Organization.CreateHandlerAsync(new CreateHandlerRequest
        {
            Handler = new Handler { HandlerId = supervisor, UnitId = org.Province, Name = "省主管", Role = HandlerRole.Supervisor },
        });
        var intake = new ComplaintService.ComplaintServiceClient(host.ChannelFor(host.Token(Sample.Id("intake"), [Roles.Intake], org.Province)));
        return new World(org, supervisor, intake, Sample.Id("feeder"));
    }

    private static string Phone() => "139" + Random.Shared.NextInt64(10_000_000, 99_999_999);

    private static string Account() => "A" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    /// <summary>A plain complaint no rule fires on: a new customer (account, phone, address), its own feeder and area.</summary>
    private static SubmitComplaintRequest Plain(World w, TimeSpan? age = null)
    {
        var r = Sample.Complaint();
        r.Customer.AccountNumber = Account();
        r.Customer.Phone = Phone();
        r.Customer.Address = Sample.Id("addr");
        r.Location.Feeder = Sample.Id("feeder");
        r.Location.TransformerArea = Sample.Id("area");
        r.ReceivedTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow - (age ?? TimeSpan.FromMinutes(10)));
        return r;
    }

    private async Task<List<(string HandlerId, string Kind, string Text)>> NotificationsAsync(string caseId)
    {
        await using var c = await host.Database.OpenConnectionAsync();
        return [.. await c.QueryAsync<(string, string, string)>(
            "SELECT handler_id, kind, text FROM notifications WHERE complaint_id = @id::uuid ORDER BY handler_id, kind", new { id = caseId })];
    }

    private async Task<List<ComplaintEvent>> HistoryAsync(string caseId) =>
        [.. (await host.Complaints.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = caseId })).Events];

    private static (string, string, Channel, RepeatMatch[]) Link(RepeatLink l) => (l.ComplaintId, l.CaseNumber, l.Channel, [.. l.MatchedOn]);

    private static (string, string, Channel, RepeatMatch[]) Link(Complaint c, params RepeatMatch[] on) => (c.Id, c.CaseNumber, c.Channel, on);

    [Fact]
    public async Task A_customers_cases_through_95598_12398_and_12345_are_linked_across_channels_with_exact_counts()
    {
        var w = await WorldAsync();
        var account = Account();
        var phone = Phone();
        var address = "南京市江宁区东山街道" + Sample.Id("号");

        var first = Plain(w, TimeSpan.FromHours(3));
        (first.Channel, first.Customer.AccountNumber, first.Customer.Phone, first.Customer.Address) = (Channel.Phone95598, account, phone, "别处" + Sample.Id("a"));
        var c1 = await w.Intake.SubmitComplaintAsync(first);

        var second = Plain(w, TimeSpan.FromHours(2));
        (second.Channel, second.Customer.AccountNumber, second.Customer.Address) = (Channel.Regulator12398, account, address);
        var c2 = await w.Intake.SubmitComplaintAsync(second);

        // No account number; the same phone as the first, and the second's address typed with spaces.
        var third = Plain(w, TimeSpan.FromHours(1));
        (third.Channel, third.Customer.AccountNumber, third.Customer.Phone, third.Customer.Address) =
            (Channel.CityHotline12345, "", "+86 " + phone, " " + string.Join(' ', address.Chunk(4).Select(ch => new string(ch))));
        var c3 = await w.Intake.SubmitComplaintAsync(third);

        Assert.Equal((0, 1, 2), (c1.RepeatCount, c2.RepeatCount, c3.RepeatCount));
        Assert.Empty(c1.RepeatLinks);
        Assert.Equal([Link(c1, RepeatMatch.AccountNumber)], c2.RepeatLinks.Select(Link));
        Assert.Equal([Link(c2, RepeatMatch.Address), Link(c1, RepeatMatch.Phone)], c3.RepeatLinks.Select(Link));
        Assert.Equal(c1.ReceivedTime, c3.RepeatLinks[1].ReceivedTime);
        Assert.Equal(SubmitOutcome.Created, c3.SubmitOutcome);
        // What a later read shows is what the submit answered.
        Assert.Equal(Sample.Stored(c3), Sample.Stored(await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = c3.Id })));
        Assert.Equal("2", (await HistoryAsync(c3.Id))[0].Details["repeat_count"]);
        await using var db = await host.Database.OpenConnectionAsync();
        Assert.Equal(3, await db.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM case_repeat_links WHERE complaint_id = ANY(@ids)", new { ids = new[] { Guid.Parse(c2.Id), Guid.Parse(c3.Id) } }));
    }

    [Fact]
    public async Task Concurrent_cases_of_one_customer_are_linked_as_if_they_came_one_after_another()
    {
        var w = await WorldAsync();
        var phone = Phone();
        // One received time for all: which of them is "earlier" is then only the order in which they are stored.
        var receivedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-5));
        var requests = Enumerable.Range(0, 12).Select(_ => { var r = Plain(w); (r.Customer.Phone, r.ReceivedTime) = (phone, receivedAt); return r; }).ToList();

        var cases = await Task.WhenAll(requests.Select(r => w.Intake.SubmitComplaintAsync(r).ResponseAsync));

        Assert.Equal(Enumerable.Range(0, 12), cases.Select(c => c.RepeatCount).Order());
        await using var db = await host.Database.OpenConnectionAsync();
        Assert.Equal(66, await db.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM case_repeat_links WHERE complaint_id = ANY(@ids)", new { ids = cases.Select(c => Guid.Parse(c.Id)).ToArray() }));
    }

    [Fact]
    public async Task An_earlier_case_outside_the_repeat_window_is_not_linked()
    {
        var w = await WorldAsync();
        var phone = Phone();
        var old = Plain(w, TimeSpan.FromDays(8));
        old.Customer.Phone = phone;
        var inside = Plain(w, TimeSpan.FromDays(6));
        inside.Customer.Phone = phone;
        var outsideCase = await w.Intake.SubmitComplaintAsync(old);
        var insideCase = await w.Intake.SubmitComplaintAsync(inside);

        var next = Plain(w);
        next.Customer.Phone = phone;
        var c = await w.Intake.SubmitComplaintAsync(next);

        Assert.Equal(1, c.RepeatCount);
        Assert.Equal([Link(insideCase, RepeatMatch.Phone)], c.RepeatLinks.Select(Link));
        Assert.DoesNotContain(c.RepeatLinks, l => l.ComplaintId == outsideCase.Id);
        // The window counts back from each case's own received time: the 8-day-old case is 2 days before the 6-day-old one.
        Assert.Equal([Link(outsideCase, RepeatMatch.Phone)], insideCase.RepeatLinks.Select(Link));
    }

    [Fact]
    public async Task A_chase_on_an_open_case_is_recorded_on_it_notifies_its_handler_stores_no_case_and_a_retry_changes_nothing()
    {
        var w = await WorldAsync();
        var first = Plain(w, TimeSpan.FromHours(2));
        var open = await w.Intake.SubmitComplaintAsync(first);
        var dispatched = await host.Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = open.Id, Etag = open.Etag, UnitId = w.Org.Station });
        var assigned = await host.Complaints.AssignHandlerAsync(new AssignHandlerRequest { Id = open.Id, Etag = dispatched.Etag, HandlerId = w.Org.Handler });

        var chase = Plain(w);
        (chase.Channel, chase.Customer.Phone, chase.ChaseOpenCase) = (Channel.CityHotline12345, first.Customer.Phone, true);
        var answer = await w.Intake.SubmitComplaintAsync(chase);
        var retry = await w.Intake.SubmitComplaintAsync(chase);

        Assert.Equal((SubmitOutcome.Chased, open.Id, open.CaseNumber, 1), (answer.SubmitOutcome, answer.Id, answer.CaseNumber, answer.ChaseCount));
        Assert.Equal(Sample.Stored(answer), Sample.Stored(retry));
        Assert.Equal(SubmitOutcome.Chased, retry.SubmitOutcome);
        // The chase leaves the handler's etag valid.
        Assert.Equal(assigned.Etag, answer.Etag);
        await using var db = await host.Database.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM complaints WHERE request_id = @RequestId", new { chase.RequestId }));
        var chased = Assert.Single(await HistoryAsync(open.Id), e => e.ActionKind == CaseAction.Chased);
        Assert.Equal(("Chased", CaseStatus.Assigned, CaseStatus.Assigned, chase.RequestId, "CityHotline12345", "1"),
            (chased.Action, chased.FromStatus, chased.ToStatus, chased.Details["request_id"], chased.Details["channel"], chased.Details["chase_count"]));
        var notification = Assert.Single(await NotificationsAsync(open.Id), n => n.Kind == "Chase");
        Assert.Equal(w.Org.Handler, notification.HandlerId);
        Assert.Contains(open.CaseNumber, notification.Text);

        // The same key with other content is refused, and changes nothing.
        var reused = chase.Clone();
        reused.Description = "另一件事";
        var e = await Assert.ThrowsAsync<RpcException>(() => w.Intake.SubmitComplaintAsync(reused).ResponseAsync);
        Assert.Equal((StatusCode.AlreadyExists, "REQUEST_ID_REUSED"), (e.StatusCode, Sample.ErrorInfo(e).Reason));
        Assert.Equal(1, (await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = open.Id })).ChaseCount);
    }

    [Fact]
    public async Task A_chase_before_dispatch_goes_to_the_receiving_units_supervisors_and_without_an_open_case_a_new_case_is_stored()
    {
        var w = await WorldAsync();
        var first = Plain(w, TimeSpan.FromHours(2));
        var open = await w.Intake.SubmitComplaintAsync(first);

        var chase = Plain(w);
        (chase.Customer.AccountNumber, chase.ChaseOpenCase) = (first.Customer.AccountNumber, true);
        var answer = await w.Intake.SubmitComplaintAsync(chase);

        Assert.Equal((SubmitOutcome.Chased, open.Id), (answer.SubmitOutcome, answer.Id));
        Assert.Equal(w.Supervisor, Assert.Single(await NotificationsAsync(open.Id), n => n.Kind == "Chase").HandlerId);

        // Dispatched but not assigned: the supervisors of the case's unit hear of the next chase.
        var stationHead = Sample.Id("head");
        await host.Organization.CreateHandlerAsync(new CreateHandlerRequest
        {
            Handler = new Handler { HandlerId = stationHead, UnitId = w.Org.Station, Name = "所长", Role = HandlerRole.Supervisor },
        });
        await host.Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = open.Id, Etag = open.Etag, UnitId = w.Org.Station });
        var second = Plain(w);
        (second.Customer.Phone, second.ChaseOpenCase) = (first.Customer.Phone, true);
        Assert.Equal(2, (await w.Intake.SubmitComplaintAsync(second)).ChaseCount);
        Assert.Equal(new[] { w.Supervisor, stationHead }.Order(), (await NotificationsAsync(open.Id)).Where(n => n.Kind == "Chase").Select(n => n.HandlerId).Order());

        var stranger = Plain(w);
        stranger.ChaseOpenCase = true;
        var created = await w.Intake.SubmitComplaintAsync(stranger);
        var again = await w.Intake.SubmitComplaintAsync(stranger);
        Assert.Equal((SubmitOutcome.Created, SubmitOutcome.Created, created.Id), (created.SubmitOutcome, again.SubmitOutcome, again.Id));
        Assert.Equal(0, created.ChaseCount);
        // The retry found its own case, and did not chase it.
        Assert.Equal(0, (await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = created.Id })).ChaseCount);
    }

    public static TheoryData<string, WarningRule> Rules => new()
    {
        { "important class", WarningRule.ImportantCustomer },
        { "important account", WarningRule.ImportantCustomer },
        { "regulator", WarningRule.Regulator },
        { "skip level", WarningRule.SkipLevel },
        { "keyword", WarningRule.SensitiveKeyword },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task Each_warning_rule_fires_on_its_case_with_a_history_event_and_an_immediate_notification_to_the_receiving_units_supervisor(
        string variant, WarningRule rule)
    {
        var w = await WorldAsync();
        var r = Plain(w);
        switch (variant)
        {
            case "important class": r.Customer.CustomerClass = CustomerClass.Important; break;
            case "important account": r.Customer.AccountNumber = IntakeHost.ImportantAccount; r.Customer.Phone = Phone(); break;
            case "regulator": r.Channel = Channel.Regulator12398; break;
            case "skip level": (r.SkipLevel, r.SkipLevelReason) = (true, "直接打到省公司"); break;
            case "keyword": r.Description = $"再不解决就找{IntakeHost.Keyword}。"; break;
        }
        var c = await w.Intake.SubmitComplaintAsync(r);

        Assert.Equal([rule], c.Warnings);
        var raised = Assert.Single(await HistoryAsync(c.Id), e => e.ActionKind == CaseAction.WarningRaised);
        Assert.Equal(rule.ToString(), raised.Details["rules"]);
        Assert.Equal(w.Supervisor, raised.Details["notified"]);
        if (rule == WarningRule.SensitiveKeyword)
            Assert.Equal(IntakeHost.Keyword, raised.Details["keywords"]);
        // In the outbox with the case itself: no sweep has run.
        var n = Assert.Single(await NotificationsAsync(c.Id));
        Assert.Equal((w.Supervisor, "Warning"), (n.HandlerId, n.Kind));
        Assert.Contains(c.CaseNumber, n.Text);
        Assert.Contains(rule.ToString(), n.Text);
        Assert.DoesNotContain(c.Customer.Phone, n.Text);
    }

    [Fact]
    public async Task A_plain_case_raises_no_warning_and_notifies_nobody()
    {
        var w = await WorldAsync();
        var c = await w.Intake.SubmitComplaintAsync(Plain(w));

        Assert.Empty(c.Warnings);
        Assert.DoesNotContain(await HistoryAsync(c.Id), e => e.ActionKind == CaseAction.WarningRaised);
        Assert.Empty(await NotificationsAsync(c.Id));
    }

    [Fact]
    public async Task A_repeat_customer_is_warned_from_the_second_case_on()
    {
        var w = await WorldAsync();
        var first = Plain(w, TimeSpan.FromHours(1));
        var second = Plain(w);
        second.Customer.Phone = first.Customer.Phone;

        var c1 = await w.Intake.SubmitComplaintAsync(first);
        var c2 = await w.Intake.SubmitComplaintAsync(second);

        Assert.Empty(c1.Warnings);
        Assert.Equal([WarningRule.RepeatCustomer], c2.Warnings);
        Assert.Equal("1", Assert.Single(await HistoryAsync(c2.Id), e => e.ActionKind == CaseAction.WarningRaised).Details["repeat_count"]);
        Assert.Equal((w.Supervisor, "Warning"), Assert.Single(await NotificationsAsync(c2.Id)) is var n ? (n.HandlerId, n.Kind) : default);
    }

    [Fact]
    public async Task The_hotspot_rule_fires_on_the_third_case_of_other_customers_on_one_feeder_within_the_window_and_not_for_older_ones()
    {
        var w = await WorldAsync();
        var substation = Sample.Id("sub");
        SubmitComplaintRequest OnFeeder(TimeSpan age)
        {
            var r = Plain(w, age);
            (r.Location.Substation, r.Location.Feeder) = (substation, w.Feeder);
            return r;
        }

        var old = await w.Intake.SubmitComplaintAsync(OnFeeder(TimeSpan.FromDays(8)));
        var a = await w.Intake.SubmitComplaintAsync(OnFeeder(TimeSpan.FromHours(3)));
        var b = await w.Intake.SubmitComplaintAsync(OnFeeder(TimeSpan.FromHours(2)));
        // The same feeder name under another substation is another line.
        var elsewhere = OnFeeder(TimeSpan.FromHours(1));
        elsewhere.Location.Substation = Sample.Id("sub");
        var other = await w.Intake.SubmitComplaintAsync(elsewhere);
        var c = await w.Intake.SubmitComplaintAsync(OnFeeder(TimeSpan.FromMinutes(30)));

        Assert.Equal((0, 0, 0, 0), (old.Warnings.Count, a.Warnings.Count, b.Warnings.Count, other.Warnings.Count));
        Assert.Equal([WarningRule.HotspotArea], c.Warnings);
        Assert.Equal((w.Supervisor, "Warning"), Assert.Single(await NotificationsAsync(c.Id)) is var n ? (n.HandlerId, n.Kind) : default);
    }

    [Fact]
    public async Task The_hotspot_rule_counts_a_transformer_area_on_its_feeder()
    {
        var w = await WorldAsync();
        var area = Sample.Id("area");
        SubmitComplaintRequest InArea(int i)
        {
            var r = Plain(w, TimeSpan.FromHours(3 - i));
            // Each case is reported under another substation, so only the area (feeder + transformer area) is common.
            (r.Location.Substation, r.Location.Feeder, r.Location.TransformerArea) = (Sample.Id("sub"), w.Feeder, area);
            return r;
        }

        var cases = new List<Complaint>();
        for (var i = 0; i < 3; i++)
            cases.Add(await w.Intake.SubmitComplaintAsync(InArea(i)));

        Assert.Equal([0, 0, 1], cases.Select(x => x.Warnings.Count));
        Assert.Equal([WarningRule.HotspotArea], cases[2].Warnings);
    }

    [Fact]
    public async Task A_rejected_request_stores_no_case_no_link_and_no_notification()
    {
        var w = await WorldAsync();
        var first = await w.Intake.SubmitComplaintAsync(Plain(w));
        var bad = Plain(w);
        (bad.Channel, bad.Customer.Phone, bad.Description) = (Channel.Regulator12398, first.Customer.Phone, "");

        var e = await Assert.ThrowsAsync<RpcException>(() => w.Intake.SubmitComplaintAsync(bad).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        await using var db = await host.Database.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM complaints WHERE request_id = @RequestId", new { bad.RequestId }));
        Assert.Equal(0, await db.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM notifications n JOIN handlers h ON h.handler_id = n.handler_id WHERE h.unit_id = @Province", new { w.Org.Province }));
    }

    [Fact]
    public async Task A_list_shows_a_cases_ten_newest_repeat_links_while_a_get_shows_them_all_and_repeat_count_is_exact()
    {
        var w = await WorldAsync();
        var account = Account();
        var cases = new List<Complaint>();
        for (var i = 0; i < 13; i++)
        {
            var r = Plain(w, TimeSpan.FromHours(14 - i));
            r.Customer.AccountNumber = account;
            cases.Add(await w.Intake.SubmitComplaintAsync(r));
        }
        var last = cases[^1];
        Assert.Equal(12, last.RepeatCount);

        var got = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = last.Id });
        Assert.Equal((12, 12), (got.RepeatCount, got.RepeatLinks.Count));
        Assert.Equal(cases[..^1].Select(c => c.Id).Reverse(), got.RepeatLinks.Select(l => l.ComplaintId));

        var listed = (await host.Complaints.ListComplaintsAsync(new ListComplaintsRequest { CustomerAccountNumber = account })).Complaints;
        var inList = Assert.Single(listed, c => c.Id == last.Id);
        Assert.Equal(12, inList.RepeatCount);
        Assert.Equal(got.RepeatLinks.Take(10), inList.RepeatLinks);
        // A case with fewer links lists them all.
        Assert.Equal(cases[5].RepeatLinks, Assert.Single(listed, c => c.Id == cases[5].Id).RepeatLinks);
    }

    [Fact]
    public async Task ListComplaints_filters_on_sub_category_grid_location_repeats_warnings_and_a_unit_subtree()
    {
        var w = await WorldAsync();
        var account = Account();
        var supplyUnit = Sample.Id("su");
        var cases = new List<Complaint>();
        for (var i = 0; i < 4; i++)
        {
            var r = Plain(w, TimeSpan.FromHours(4 - i));
            (r.Customer.AccountNumber, r.Location.SupplyUnit) = (account, supplyUnit);
            if (i == 1) (r.Category, r.SubCategory) = (Category.SupplyQuality, SubCategory.Voltage);
            if (i == 2) (r.Location.Substation, r.Location.Feeder, r.Location.TransformerArea) = ("西山变", w.Feeder, "西山2号台区");
            cases.Add(await w.Intake.SubmitComplaintAsync(r));
        }
        // Repeat counts 0, 1, 2, 3 (one account); warned from the second on (repeat customer).
        Assert.Equal([0, 1, 2, 3], cases.Select(c => c.RepeatCount));
        var toStation = await host.Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = cases[0].Id, Etag = cases[0].Etag, UnitId = w.Org.Station });
        await host.Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = cases[1].Id, Etag = cases[1].Etag, UnitId = w.Org.County });

        async Task<string[]> Ids(Action<ListComplaintsRequest> filter)
        {
            var request = new ListComplaintsRequest { CustomerAccountNumber = account };
            filter(request);
            return (await host.Complaints.ListComplaintsAsync(request)).Complaints.Select(c => c.Id).Order().ToArray();
        }
        string[] Of(params int[] indexes) => indexes.Select(i => cases[i].Id).Order().ToArray();

        Assert.Equal(Of(1), await Ids(r => r.SubCategories.Add(SubCategory.Voltage)));
        Assert.Equal(Of(0, 1, 2, 3), await Ids(r => r.SupplyUnit = supplyUnit));
        Assert.Equal(Of(2), await Ids(r => r.Substation = "西山变"));
        Assert.Equal(Of(2), await Ids(r => r.Feeder = w.Feeder));
        Assert.Equal(Of(2), await Ids(r => r.TransformerArea = "西山2号台区"));
        Assert.Equal(Of(1, 2, 3), await Ids(r => r.MinRepeatCount = 1));
        Assert.Equal(Of(2, 3), await Ids(r => r.MinRepeatCount = 2));
        Assert.Equal(Of(1, 2, 3), await Ids(r => r.WarnedOnly = true));
        Assert.Equal(Of(1, 2, 3), await Ids(r => r.WarningRules.Add(WarningRule.RepeatCustomer)));
        Assert.Empty(await Ids(r => r.WarningRules.Add(WarningRule.Regulator)));
        // unit_id alone is that unit only; with include_sub_units the province lists its county's and station's cases.
        Assert.Empty(await Ids(r => r.UnitId = w.Org.Province));
        Assert.Equal(Of(0), await Ids(r => r.UnitId = w.Org.Station));
        Assert.Equal(Of(0, 1), await Ids(r => (r.UnitId, r.IncludeSubUnits) = (w.Org.Province, true)));
        Assert.Equal(Of(0, 1), await Ids(r => (r.UnitId, r.IncludeSubUnits) = (w.Org.County, true)));
        Assert.Equal(Of(0), await Ids(r => (r.UnitId, r.IncludeSubUnits) = (w.Org.Station, true)));
        Assert.Equal(toStation.Id, cases[0].Id);

        var e = await Assert.ThrowsAsync<RpcException>(() => host.Complaints.ListComplaintsAsync(
            new ListComplaintsRequest { IncludeSubUnits = true, MinRepeatCount = -1 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(["include_sub_units", "min_repeat_count"], Sample.BadFields(e).Order());
    }
}
