using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.IntegrationTests.TimeLimits;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Rectification;

/// <summary>Opening (from cases and from a hotspot), validation, idempotency and the etag-guarded writes.</summary>
[Trait("Tier", "Integration")]
public sealed class RectificationTests(SweepHost host) : IClassFixture<SweepHost>
{
    [Fact]
    public async Task Opening_from_cases_rejects_each_unsubstantiated_one_by_name_and_links_the_substantiated()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var first = await Rectifying.SubstantiatedAsync(host, org);
        var second = await Rectifying.SubstantiatedAsync(host, org);
        var open = await host.AssignedCaseAsync(new SweepHost.Org(org, "", "", ""), host.Now.AddHours(-1));
        var request = new OpenRectificationRequest
        {
            RequestId = Sample.Id("rq"), OwnerUnitId = org.Station, Plan = "加强线路巡视", DueDate = Rectifying.DueDate(host, 10),
            TargetReductionPercent = 50, ComplaintIds = { first.Id, open.Id, second.Id },
        };

        var rejected = await Assert.ThrowsAsync<RpcException>(() => Rectifying.Client(host).OpenRectificationAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, rejected.StatusCode);
        Assert.Equal(["complaint_ids[1]"], Sample.BadFields(rejected));
        Assert.Contains(open.CaseNumber, Sample.Details(rejected).GetDetail<Google.Rpc.BadRequest>()!.FieldViolations[0].Description);

        request.ComplaintIds.RemoveAt(1);
        var opened = await Rectifying.Client(host).OpenRectificationAsync(request);
        Assert.Equal((RectificationStatus.Open, "1", 2, org.Station), (opened.Status, opened.Etag, opened.LinkedCaseCount, opened.OwnerUnitId));
        Assert.Equal(new[] { first.Id, second.Id }.Order(), opened.ComplaintIds.Order());
        // No scope given: the owner unit's subtree and the linked cases' sub-categories.
        Assert.Equal(org.Station, opened.Scope.UnitId);
        Assert.Equal([SubCategory.Outage], opened.Scope.SubCategories);
        Assert.Equal(Rectifying.DueAt(request.DueDate), opened.DueTime.ToDateTimeOffset());
        Assert.Null(opened.Result);

        // A retry answers with the stored rectification; the same request_id with other content is refused.
        var retried = await Rectifying.Client(host).OpenRectificationAsync(request);
        Assert.Equal(opened.Id, retried.Id);
        request.Plan = "另一个方案";
        var reused = await Assert.ThrowsAsync<RpcException>(() => Rectifying.Client(host).OpenRectificationAsync(request).ResponseAsync);
        Assert.Equal((StatusCode.AlreadyExists, "REQUEST_ID_REUSED"), (reused.StatusCode, Sample.ErrorInfo(reused).Reason));
    }

    [Fact]
    public async Task Opening_from_a_hotspot_links_the_scope_cases_of_the_period_before()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var feeder = Sample.Id("10kV城北线");
        var inScope = new[]
        {
            await Rectifying.CaseAsync(host, org.Station, host.Now.AddDays(-1), feeder),
            await Rectifying.CaseAsync(host, org.Station, host.Now.AddDays(-6), feeder),
        };
        await Rectifying.CaseAsync(host, org.Station, host.Now.AddDays(-8), feeder);                      // before the period
        await Rectifying.CaseAsync(host, org.Station, host.Now.AddDays(-1), Sample.Id("10kV其他线"));       // another feeder
        await Rectifying.CaseAsync(host, org.Station, host.Now.AddDays(-1), feeder, Category.Service, SubCategory.StaffConduct);

        var opened = await Rectifying.Client(host).OpenRectificationAsync(Rectifying.FromHotspot(host, org.Station, org.County, feeder));

        Assert.Equal(new HotspotReference { Grain = RectificationGrain.Feeder, Key = feeder, UnitId = org.County }, opened.Hotspot);
        Assert.Equal(org.County, opened.Scope.UnitId);
        Assert.Equal([feeder], opened.Scope.Feeders);
        Assert.Equal([Category.Outage], opened.Scope.Categories);
        Assert.Equal(inScope.Select(c => c.Id).Order(), opened.ComplaintIds.Order());
    }

    [Fact]
    public async Task Every_bad_field_of_an_open_request_is_named_at_once()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var request = Rectifying.FromHotspot(host, org.Station, org.County, "10kV东山线");
        request.Plan = "";
        request.TargetReductionPercent = 0;
        request.EvaluationDays = 3;
        request.ComplaintIds.Add("not-a-uuid");
        var e = await Assert.ThrowsAsync<RpcException>(() => Rectifying.Client(host).OpenRectificationAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(["complaint_ids[0]", "evaluation_days", "hotspot", "plan", "target_reduction_percent"], Sample.BadFields(e).Order(StringComparer.Ordinal));

        var past = Rectifying.FromHotspot(host, org.Station, org.County, "10kV东山线");
        past.DueDate = Rectifying.DueDate(host, 0);
        var late = await Assert.ThrowsAsync<RpcException>(() => Rectifying.Client(host).OpenRectificationAsync(past).ResponseAsync);
        Assert.Equal(["due_date"], Sample.BadFields(late));

        var nowhere = Rectifying.FromHotspot(host, "no-such-unit", org.County, "10kV东山线");
        var missing = await Assert.ThrowsAsync<RpcException>(() => Rectifying.Client(host).OpenRectificationAsync(nowhere).ResponseAsync);
        Assert.Equal((StatusCode.NotFound, "UNIT_NOT_FOUND"), (missing.StatusCode, Sample.ErrorInfo(missing).Reason));
    }

    [Fact]
    public async Task A_stale_etag_is_aborted_and_a_completed_rectification_takes_no_more_updates()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var client = Rectifying.Client(host);
        var opened = await client.OpenRectificationAsync(Rectifying.FromHotspot(host, org.Station, org.County, Sample.Id("10kV线")));

        var updated = await client.UpdateRectificationAsync(new UpdateRectificationRequest { Id = opened.Id, Etag = opened.Etag, Plan = "改为更换变压器" });
        Assert.Equal(("改为更换变压器", "2", opened.DueDate), (updated.Plan, updated.Etag, updated.DueDate));

        var stale = await Assert.ThrowsAsync<RpcException>(() =>
            client.UpdateRectificationAsync(new UpdateRectificationRequest { Id = opened.Id, Etag = opened.Etag, DueDate = Rectifying.DueDate(host, 20) }).ResponseAsync);
        Assert.Equal((StatusCode.Aborted, "ETAG_MISMATCH"), (stale.StatusCode, Sample.ErrorInfo(stale).Reason));
        var staleComplete = await Assert.ThrowsAsync<RpcException>(() =>
            client.CompleteRectificationAsync(new CompleteRectificationRequest { Id = opened.Id, Etag = opened.Etag }).ResponseAsync);
        Assert.Equal(StatusCode.Aborted, staleComplete.StatusCode);
        Assert.Equal("改为更换变压器", (await Rectifying.GetAsync(host, opened.Id)).Plan);

        var moved = await client.UpdateRectificationAsync(new UpdateRectificationRequest { Id = opened.Id, Etag = updated.Etag, DueDate = Rectifying.DueDate(host, 20) });
        Assert.Equal((Rectifying.DueAt(Rectifying.DueDate(host, 20)), "3"), (moved.DueTime.ToDateTimeOffset(), moved.Etag));

        var completed = await client.CompleteRectificationAsync(new CompleteRectificationRequest { Id = opened.Id, Etag = moved.Etag, Note = "已更换" });
        Assert.Equal((RectificationStatus.Completed, "已更换", host.Now), (completed.Status, completed.CompletionNote, completed.CompletedTime.ToDateTimeOffset()));
        var closed = await Assert.ThrowsAsync<RpcException>(() =>
            client.UpdateRectificationAsync(new UpdateRectificationRequest { Id = opened.Id, Etag = completed.Etag, Plan = "再改" }).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "RECTIFICATION_NOT_OPEN"), (closed.StatusCode, Sample.ErrorInfo(closed).Reason));

        var cancelled = await client.CancelRectificationAsync(new CancelRectificationRequest { Id = opened.Id, Etag = completed.Etag, Reason = "并入上级整改" });
        Assert.Equal((RectificationStatus.Cancelled, "并入上级整改"), (cancelled.Status, cancelled.CancelReason));
    }

    [Fact]
    public async Task Supervisors_read_and_list_only_their_subtree()
    {
        var own = await Sample.OrganizationAsync(host.Organization);
        var other = await Sample.OrganizationAsync(host.Organization);
        var mine = await Rectifying.Client(host).OpenRectificationAsync(Rectifying.FromHotspot(host, own.Station, own.County, "10kV东山线"));
        var theirs = await Rectifying.Client(host).OpenRectificationAsync(Rectifying.FromHotspot(host, other.Station, other.County, "10kV东山线"));
        using var channel = host.ChannelFor(ComplaintGrpc.Server.Security.DevTokens.Mint(host.Auth, "sup-city", [ComplaintGrpc.Server.Security.Roles.Supervisor],
            own.City, lifetime: TimeSpan.FromDays(30), now: host.Now.AddDays(-1)));
        var supervisor = new RectificationService.RectificationServiceClient(channel);

        var listed = await supervisor.ListRectificationsAsync(new ListRectificationsRequest { Statuses = { RectificationStatus.Open } });
        Assert.Equal([mine.Id], listed.Rectifications.Select(r => r.Id));
        var hidden = await Assert.ThrowsAsync<RpcException>(() => supervisor.GetRectificationAsync(new GetRectificationRequest { Id = theirs.Id }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, hidden.StatusCode);
        var denied = await Assert.ThrowsAsync<RpcException>(() =>
            supervisor.CompleteRectificationAsync(new CompleteRectificationRequest { Id = theirs.Id, Etag = theirs.Etag }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }
}
