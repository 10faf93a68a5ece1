using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Complaints;

/// <summary>Each test builds its own cases under a unique customer account, so filters can be asserted exactly.</summary>
public sealed class ListComplaintsTests(ServerHost host) : IClassFixture<ServerHost>
{
    private ComplaintService.ComplaintServiceClient Client => host.Complaints;

    private async Task<List<Complaint>> SubmitAsync(string account, int count, Action<SubmitComplaintRequest, int>? vary = null)
    {
        var cases = new List<Complaint>();
        for (var i = 0; i < count; i++)
        {
            var r = Sample.Complaint();
            r.Customer.AccountNumber = account;
            vary?.Invoke(r, i);
            cases.Add(await Client.SubmitComplaintAsync(r));
        }
        return cases;
    }

    private static string Account() => "A" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    [Fact]
    public async Task Pages_walk_every_case_newest_first_without_gaps_or_repeats()
    {
        var account = Account();
        var cases = await SubmitAsync(account, 7);

        var seen = new List<string>();
        var request = new ListComplaintsRequest { CustomerAccountNumber = account, PageSize = 3 };
        var pages = 0;
        do
        {
            var page = await Client.ListComplaintsAsync(request);
            seen.AddRange(page.Complaints.Select(c => c.Id));
            request.PageToken = page.NextPageToken;
            pages++;
        } while (request.PageToken.Length > 0);

        Assert.Equal(3, pages);
        Assert.Equal(cases.Select(c => c.Id).Reverse(), seen);
    }

    [Fact]
    public async Task Each_filter_narrows_the_list_to_matching_cases()
    {
        var account = Account();
        var org = await Sample.OrganizationAsync(host.Organization);
        var now = DateTimeOffset.UtcNow;
        var cases = await SubmitAsync(account, 4, (r, i) =>
        {
            r.Channel = i == 0 ? Channel.Regulator12398 : Channel.AppWeb;
            r.Level = i == 1 ? Level.Major : Level.Normal;
            (r.Category, r.SubCategory) = i == 2 ? (Category.Business, SubCategory.TariffBilling) : (Category.Outage, SubCategory.Outage);
            r.ReceivedTime = new Timestamp { Seconds = now.AddDays(-i).ToUnixTimeSeconds() };
        });
        var dispatched = await Client.DispatchToUnitAsync(new DispatchToUnitRequest { Id = cases[3].Id, Etag = "1", UnitId = org.Station });
        await Client.AssignHandlerAsync(new AssignHandlerRequest { Id = dispatched.Id, Etag = dispatched.Etag, HandlerId = org.Handler });

        async Task<string[]> Ids(Action<ListComplaintsRequest> filter)
        {
            var request = new ListComplaintsRequest { CustomerAccountNumber = account };
            filter(request);
            return (await Client.ListComplaintsAsync(request)).Complaints.Select(c => c.Id).Order().ToArray();
        }
        string[] Of(params int[] indexes) => indexes.Select(i => cases[i].Id).Order().ToArray();

        Assert.Equal(Of(0, 1, 2, 3), await Ids(_ => { }));
        Assert.Equal(Of(0), await Ids(r => r.Channels.Add(Channel.Regulator12398)));
        Assert.Equal(Of(1), await Ids(r => r.Levels.Add(Level.Major)));
        Assert.Equal(Of(2), await Ids(r => r.Categories.Add(Category.Business)));
        Assert.Equal(Of(3), await Ids(r => r.Statuses.Add(CaseStatus.Assigned)));
        Assert.Equal(Of(0, 1, 2), await Ids(r => r.Statuses.Add(CaseStatus.Received)));
        Assert.Equal(Of(3), await Ids(r => r.UnitId = org.Station));
        Assert.Equal(Of(3), await Ids(r => r.HandlerId = org.Handler));
        Assert.Equal(Of(1, 2), await Ids(r =>
        {
            r.ReceivedFrom = new Timestamp { Seconds = now.AddDays(-2).ToUnixTimeSeconds() };
            r.ReceivedTo = new Timestamp { Seconds = now.AddDays(-1).ToUnixTimeSeconds() + 1 };
        }));
        Assert.Empty(await Ids(r => r.CustomerAccountNumber = Account()));
    }

    [Fact]
    public async Task A_page_token_replayed_with_other_filters_or_a_bad_page_size_is_invalid_argument()
    {
        var account = Account();
        await SubmitAsync(account, 3);
        var first = await Client.ListComplaintsAsync(new ListComplaintsRequest { CustomerAccountNumber = account, PageSize = 1 });
        Assert.NotEmpty(first.NextPageToken);

        var replay = await Assert.ThrowsAsync<RpcException>(() => Client.ListComplaintsAsync(
            new ListComplaintsRequest { CustomerAccountNumber = Account(), PageSize = 1, PageToken = first.NextPageToken }).ResponseAsync);
        Assert.Equal(["page_token"], Sample.BadFields(replay));

        var garbage = await Assert.ThrowsAsync<RpcException>(() => Client.ListComplaintsAsync(
            new ListComplaintsRequest { PageToken = "%%%not-a-token" }).ResponseAsync);
        Assert.Equal(["page_token"], Sample.BadFields(garbage));

        var tooBig = await Assert.ThrowsAsync<RpcException>(() => Client.ListComplaintsAsync(new ListComplaintsRequest { PageSize = 10_000 }).ResponseAsync);
        Assert.Equal(["page_size"], Sample.BadFields(tooBig));
    }
}
