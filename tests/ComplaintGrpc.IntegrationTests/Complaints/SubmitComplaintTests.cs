using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Complaints;

public sealed class SubmitComplaintTests(ServerHost host) : IClassFixture<ServerHost>
{
    private async Task<long> CountCasesAsync(string? requestId = null)
    {
        await using var c = await host.Database.OpenConnectionAsync();
        return requestId is null
            ? await c.ExecuteScalarAsync<long>("SELECT count(*) FROM complaints")
            : await c.ExecuteScalarAsync<long>("SELECT count(*) FROM complaints WHERE request_id = @requestId", new { requestId });
    }

    [Fact]
    public async Task Submit_stores_the_case_and_returns_it_with_an_id_and_case_number()
    {
        var request = Sample.Complaint();
        var stored = await host.Complaints.SubmitComplaintAsync(request);

        Assert.True(Guid.TryParse(stored.Id, out _));
        Assert.Matches(@"^CP\d{8}\d{6,}$", stored.CaseNumber);
        Assert.Equal(CaseStatus.Received, stored.Status);
        Assert.Equal("1", stored.Etag);
        Assert.Equal(request.Description, stored.Description);
        Assert.Equal("13800138000", stored.Customer.Phone); // canonical digits
        Assert.Equal(request.Location, stored.Location);
        Assert.Equal(request.ReceivedTime, stored.ReceivedTime);

        var read = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = stored.Id });
        Assert.Equal(Sample.Stored(stored), Sample.Stored(read));
        var byNumber = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { CaseNumber = stored.CaseNumber });
        Assert.Equal(Sample.Stored(stored), Sample.Stored(byNumber));

        var history = await host.Complaints.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = stored.Id });
        var submitted = Assert.Single(history.Events);
        Assert.Equal(("Submitted", CaseAction.Submitted, CaseStatus.Unspecified, CaseStatus.Received, 1L),
            (submitted.Action, submitted.ActionKind, submitted.FromStatus, submitted.ToStatus, submitted.Sequence));
    }

    [Fact]
    public async Task A_retry_with_the_same_request_id_and_content_returns_the_first_case()
    {
        var request = Sample.Complaint();
        var first = await host.Complaints.SubmitComplaintAsync(request);
        var retry = await host.Complaints.SubmitComplaintAsync(request);

        Assert.Equal(Sample.Stored(first), Sample.Stored(retry));
        Assert.Equal(1, await CountCasesAsync(request.RequestId));
    }

    [Fact]
    public async Task The_same_request_id_with_other_content_is_already_exists_and_changes_nothing()
    {
        var request = Sample.Complaint();
        var first = await host.Complaints.SubmitComplaintAsync(request);
        var other = request.Clone();
        other.Description = "另一件事";

        var e = await Assert.ThrowsAsync<RpcException>(() => host.Complaints.SubmitComplaintAsync(other).ResponseAsync);

        Assert.Equal(StatusCode.AlreadyExists, e.StatusCode);
        Assert.Equal("REQUEST_ID_REUSED", Sample.ErrorInfo(e).Reason);
        var stored = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = first.Id });
        Assert.Equal(request.Description, stored.Description);
    }

    [Fact]
    public async Task Twenty_concurrent_submits_with_one_request_id_store_exactly_one_case()
    {
        var request = Sample.Complaint();
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => host.Complaints.SubmitComplaintAsync(request).ResponseAsync));

        Assert.Single(results.Select(r => r.Id).Distinct());
        Assert.Equal(1, await CountCasesAsync(request.RequestId));
        await using var c = await host.Database.OpenConnectionAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM complaint_events WHERE complaint_id = @id::uuid", new { id = results[0].Id }));
    }

    public static TheoryData<string, Action<SubmitComplaintRequest>, string[]> BadRequests => new()
    {
        { "missing required fields", r => { r.RequestId = ""; r.Channel = Channel.Unspecified; r.Description = " "; r.Level = Level.Unspecified; },
            ["request_id", "channel", "description", "level"] },
        { "unknown enum values", r => { r.Category = (Category)99; r.SiteClass = (SiteClass)42; }, ["category", "site_class"] },
        { "over-long text", r => { r.Description = new string('长', 4001); r.Customer.Address = new string('a', 301); },
            ["description", "customer.address"] },
        { "malformed phone", r => r.Customer.Phone = "12345", ["customer.phone"] },
        { "control characters", r => { r.Customer.Name = "张\u0007伟"; r.Description = "停电\u0000了"; }, ["customer.name", "description"] },
        { "sub-category of another category", r => r.SubCategory = SubCategory.TariffBilling, ["sub_category"] },
        { "received in the future", r => r.ReceivedTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(2)), ["received_time"] },
        { "skip-level without a reason", r => r.SkipLevel = true, ["skip_level_reason"] },
        { "no customer", r => r.Customer = null, ["customer"] },
        { "bad request id", r => r.RequestId = "has spaces in it", ["request_id"] },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_is_invalid_argument_naming_every_bad_field_and_stores_nothing(string why, Action<SubmitComplaintRequest> spoil, string[] fields)
    {
        var before = await CountCasesAsync();
        var request = Sample.Complaint();
        spoil(request);

        var e = await Assert.ThrowsAsync<RpcException>(() => host.Complaints.SubmitComplaintAsync(request).ResponseAsync);

        Assert.True(e.StatusCode == StatusCode.InvalidArgument, why);
        Assert.Equal(fields.Order(), Sample.BadFields(e).Distinct().Order());
        Assert.Equal(before, await CountCasesAsync());
    }

    [Fact]
    public async Task Hostile_but_valid_text_round_trips_unchanged()
    {
        var request = Sample.Complaint();
        request.Description = "'); DROP TABLE complaints; -- \u202Eمرحبا\u202C 😡🔌 Ελληνικά 日本語 \t\n第二行";
        request.Customer.Name = "Robert'); --";

        var stored = await host.Complaints.SubmitComplaintAsync(request);
        var read = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = stored.Id });

        Assert.Equal(request.Description, read.Description);
        Assert.Equal(request.Customer.Name, read.Customer.Name);
    }

    [Fact]
    public async Task Unknown_and_malformed_ids_are_not_found_and_invalid_argument()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(() =>
            host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = Guid.NewGuid().ToString() }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Equal("CASE_NOT_FOUND", Sample.ErrorInfo(missing).Reason);

        var malformed = await Assert.ThrowsAsync<RpcException>(() =>
            host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = "not-a-uuid" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
        Assert.Equal(["id"], Sample.BadFields(malformed));

        var history = await Assert.ThrowsAsync<RpcException>(() =>
            host.Complaints.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = Guid.NewGuid().ToString() }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, history.StatusCode);
    }
}
