using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using Grpc.Core;
using Grpc.Health.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace ComplaintGrpc.IntegrationTests.Security;

public sealed class CallerSecurityTests(CallerSecurityTests.LimitedHost host) : IClassFixture<CallerSecurityTests.LimitedHost>
{
    /// <summary>A server with a small submission budget per caller, to see the limit bite.</summary>
    public sealed class LimitedHost : ServerHost
    {
        protected override void Configure(WebApplicationBuilder builder) =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Limits:SubmitBurst"] = "5", ["Limits:SubmitPerSecond"] = "1" });
    }

    public static TheoryData<string> Tokens => new() { "none", "wrong key", "expired", "other audience" };

    [Theory]
    [MemberData(nameof(Tokens))]
    public async Task Calls_without_a_valid_token_are_unauthenticated_and_health_stays_open(string token)
    {
        var bad = token switch
        {
            "none" => null,
            "wrong key" => DevTokens.Mint(new AuthOptions { SigningKey = Convert.ToBase64String(new byte[32]) }, "x", [Roles.Administrator]),
            "expired" => DevTokens.Mint(host.Auth, "x", [Roles.Administrator], lifetime: TimeSpan.FromMinutes(1), now: DateTimeOffset.UtcNow.AddHours(-1)),
            _ => DevTokens.Mint(new AuthOptions { SigningKey = host.Auth.SigningKey, Audience = "someone-else" }, "x", [Roles.Administrator]),
        };
        using var channel = host.ChannelFor(bad);

        var e = await Assert.ThrowsAsync<RpcException>(() => new ComplaintService.ComplaintServiceClient(channel)
            .ListComplaintsAsync(new ListComplaintsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        var e2 = await Assert.ThrowsAsync<RpcException>(() => new OrganizationService.OrganizationServiceClient(channel)
            .ListUnitsAsync(new ListUnitsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e2.StatusCode);

        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task Callers_without_the_personal_data_permission_see_the_customer_masked()
    {
        var stored = await host.Complaints.SubmitComplaintAsync(Sample.Complaint());
        Assert.Equal("13800138000", stored.Customer.Phone);

        using var auditor = host.ChannelFor(host.Token("aud", [Roles.Auditor]));
        var seen = await new ComplaintService.ComplaintServiceClient(auditor).GetComplaintAsync(new GetComplaintRequest { Id = stored.Id });
        Assert.Equal(("138****8000", "张**"), (seen.Customer.Phone, seen.Customer.Name));
        Assert.DoesNotContain("东山街道", seen.Customer.Address);
        var listed = await new ComplaintService.ComplaintServiceClient(auditor).ListComplaintsAsync(new ListComplaintsRequest());
        Assert.All(listed.Complaints, c => Assert.Contains("****", c.Customer.Phone));

        using var permitted = host.ChannelFor(host.Token("aud2", [Roles.Auditor], permissions: [Caller.PersonalDataPermission]));
        var full = await new ComplaintService.ComplaintServiceClient(permitted).GetComplaintAsync(new GetComplaintRequest { Id = stored.Id });
        Assert.Equal("13800138000", full.Customer.Phone);
    }

    [Theory]
    [InlineData("😀张", "😀**")]
    [InlineData("e\u0301mile", "e\u0301**")]
    [InlineData("张伟", "张**")]
    public void Masking_keeps_whole_characters(string name, string masked)
    {
        var c = new Complaint { Customer = new Customer { Name = name, Phone = "13800138000", Address = "北京市😀朝阳区建国路" } };
        PersonalDataInterceptor.Mask(c);
        Assert.Equal((masked, "138****8000", "北京市😀朝阳***"), (c.Customer.Name, c.Customer.Phone, c.Customer.Address));
    }

    [Fact]
    public async Task A_flooding_caller_is_resource_exhausted_with_retry_info_and_others_are_not_affected()
    {
        using var flooding = host.ChannelFor(host.Token("broken-intake", [Roles.Intake]));
        var client = new ComplaintService.ComplaintServiceClient(flooding);
        RpcException? limited = null;
        for (var i = 0; i < 20 && limited is null; i++)
        {
            try
            {
                await client.SubmitComplaintAsync(Sample.Complaint());
            }
            catch (RpcException e)
            {
                limited = e;
            }
        }

        Assert.NotNull(limited);
        Assert.Equal(StatusCode.ResourceExhausted, limited.StatusCode);
        Assert.Equal("RATE_LIMITED", Sample.ErrorInfo(limited).Reason);
        Assert.NotNull(Sample.Details(limited).GetDetail<Google.Rpc.RetryInfo>()?.RetryDelay);

        using var other = host.ChannelFor(host.Token("healthy-intake", [Roles.Intake]));
        var stored = await new ComplaintService.ComplaintServiceClient(other).SubmitComplaintAsync(Sample.Complaint());
        Assert.Equal(CaseStatus.Received, stored.Status);
    }

    [Fact]
    public async Task The_same_request_id_from_two_intake_systems_makes_two_cases()
    {
        var request = Sample.Complaint();
        using var a = host.ChannelFor(host.Token("intake-a", [Roles.Intake]));
        using var b = host.ChannelFor(host.Token("intake-b", [Roles.Intake]));
        var first = await new ComplaintService.ComplaintServiceClient(a).SubmitComplaintAsync(request);
        var second = await new ComplaintService.ComplaintServiceClient(b).SubmitComplaintAsync(request);
        Assert.NotEqual(first.Id, second.Id);

        // Each intake system reads back only its own.
        var e = await Assert.ThrowsAsync<RpcException>(() => new ComplaintService.ComplaintServiceClient(a)
            .GetComplaintAsync(new GetComplaintRequest { Id = second.Id }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task A_caller_changes_cases_only_with_the_reach_of_the_roles_the_rpc_admits()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var someoneElses = await new CaseSteps(host.Complaints, org).AssignedAsync();
        // A handler who is also an auditor reads everything, but works only the cases assigned to them.
        using var both = host.ChannelFor(host.Token("h-someone", [Roles.Handler, Roles.Auditor], org.Station));
        var client = new ComplaintService.ComplaintServiceClient(both);

        var read = await client.GetComplaintAsync(new GetComplaintRequest { Id = someoneElses.Id });
        Assert.Equal(someoneElses.Id, read.Id);
        var e = await Assert.ThrowsAsync<RpcException>(() => client.AcceptAssignmentAsync(
            new AcceptAssignmentRequest { Id = someoneElses.Id, Etag = someoneElses.Etag }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }

    [Fact]
    public async Task A_token_bound_to_a_unit_that_does_not_exist_sees_no_case()
    {
        var undispatched = await host.Complaints.SubmitComplaintAsync(Sample.Complaint());
        using var ghost = host.ChannelFor(host.Token("ghost", [Roles.Supervisor], "no-such-unit"));
        var client = new ComplaintService.ComplaintServiceClient(ghost);

        Assert.Empty((await client.ListComplaintsAsync(new ListComplaintsRequest())).Complaints);
        var e = await Assert.ThrowsAsync<RpcException>(() => client.GetComplaintAsync(new GetComplaintRequest { Id = undispatched.Id }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    [Fact]
    public async Task A_supervisor_cannot_dispatch_a_case_outside_their_subtree()
    {
        var mine = await Sample.OrganizationAsync(host.Organization);
        var theirs = await Sample.OrganizationAsync(host.Organization);
        using var supervisor = host.ChannelFor(host.Token("sup", [Roles.Supervisor], mine.Province));
        var client = new ComplaintService.ComplaintServiceClient(supervisor);
        var c = await client.SubmitComplaintAsync(Sample.Complaint());

        var e = await Assert.ThrowsAsync<RpcException>(() => client.DispatchToUnitAsync(
            new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = theirs.Station }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal("UNIT_OUTSIDE_CALLER_SCOPE", Sample.ErrorInfo(e).Reason);
        var ok = await client.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = mine.Station });
        Assert.Equal(CaseStatus.Dispatched, ok.Status);
    }
}
