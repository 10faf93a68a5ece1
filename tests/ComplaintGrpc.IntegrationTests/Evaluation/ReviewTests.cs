using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace ComplaintGrpc.IntegrationTests.Evaluation;

/// <summary>逐级审核 over real gRPC: the review chain holds covered closures for the level above, with a review clock.
/// The server is configured with one extra rule: special cases need two levels (county, then city).</summary>
public sealed class ReviewTests(ReviewTests.Host host) : IClassFixture<ReviewTests.Host>, IAsyncLifetime
{
    public sealed class Host : ServerHost
    {
        protected override void Configure(WebApplicationBuilder builder) =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Evaluation:Review:Rules:0:Levels:0"] = "Special",
                ["Evaluation:Review:Rules:0:Approvals"] = "2",
            });
    }

    private Sample.Org _org = null!;
    private CaseSteps _steps = null!;
    private ComplaintService.ComplaintServiceClient _station = null!, _county = null!, _county2 = null!, _city = null!;
    private ComplaintService.ComplaintServiceClient Desk => host.Complaints;

    public async Task InitializeAsync()
    {
        _org = await Sample.OrganizationAsync(host.Organization);
        _steps = new CaseSteps(Desk, _org);
        ComplaintService.ComplaintServiceClient Supervisor(string sub, string unit) => new(host.ChannelFor(host.Token(sub, [Roles.Supervisor], unit)));
        _station = Supervisor("sup-station", _org.Station);
        _county = Supervisor("sup-county", _org.County);
        _county2 = Supervisor("sup-county-2", _org.County);
        _city = Supervisor("sup-city", _org.City);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A called-back case of <paramref name="level"/> whose finding the station supervisor recorded and closed.</summary>
    private async Task<Complaint> ClosedByStationAsync(Level level, Finding? finding = null)
    {
        var c = await _steps.CalledBackAsync();
        if (level != Level.Normal)
            c = await Desk.RegradeComplaintAsync(new RegradeComplaintRequest { Id = c.Id, Etag = c.Etag, Level = level, Reason = "升级" });
        c = await Findings.RecordAsync(_station, c, finding ?? Findings.Substantiated(c));
        return await _station.CloseComplaintAsync(new CloseComplaintRequest { Id = c.Id, Etag = c.Etag, ReviewNote = "建议归档" });
    }

    [Fact]
    public async Task A_major_case_waits_for_the_county_above_the_station_reviewer_then_closes_with_the_finding()
    {
        var submitted = await ClosedByStationAsync(Level.Major);

        var self = await Assert.ThrowsAsync<RpcException>(() => _station.ApproveClosureAsync(new ApproveClosureRequest { Id = submitted.Id, Etag = submitted.Etag }).ResponseAsync);
        var closed = await _county.ApproveClosureAsync(new ApproveClosureRequest { Id = submitted.Id, Etag = submitted.Etag, Note = "同意" });

        Assert.Equal(CaseStatus.InReview, submitted.Status);
        Assert.Null(submitted.ClosedTime);
        var review = submitted.Deadlines.Single(d => d.Clock == ClockKind.Review);
        Assert.Equal((ClockStatus.Running, 1, "2 working days"), (review.Status, review.Round, review.Limit));
        Assert.Equal((StatusCode.PermissionDenied, "NOT_ONE_LEVEL_UP"), (self.StatusCode, Sample.ErrorInfo(self).Reason));
        Assert.Equal((CaseStatus.Closed, Substantiation.Substantiated), (closed.Status, closed.Substantiation));
        Assert.NotNull(closed.ClosedTime);
        Assert.Equal(ClockStatus.Met, closed.Deadlines.Single(d => d.Clock == ClockKind.Review).Status);
        var history = await Desk.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = submitted.Id });
        Assert.Equal([CaseAction.FindingRecorded, CaseAction.ClosureSubmitted, CaseAction.ClosureApproved], history.Events.TakeLast(3).Select(e => e.ActionKind));
        var approval = history.Events[^1];
        Assert.Equal(("sup-county", _org.County, "1", "1", CaseStatus.InReview, CaseStatus.Closed),
            (approval.Actor, approval.Details["approver_unit_id"], approval.Details["approval"], approval.Details["approvals_needed"], approval.FromStatus, approval.ToStatus));
    }

    [Fact]
    public async Task A_normal_outage_case_closes_at_once_without_a_review_clock()
    {
        var closed = await ClosedByStationAsync(Level.Normal);

        Assert.Equal(CaseStatus.Closed, closed.Status);
        Assert.DoesNotContain(closed.Deadlines, d => d.Clock == ClockKind.Review);
    }

    [Fact]
    public async Task A_rejection_with_a_reason_sends_the_case_back_and_a_new_close_starts_a_new_review_round()
    {
        var submitted = await ClosedByStationAsync(Level.Major);

        var noReason = await Assert.ThrowsAsync<RpcException>(() => _county.RejectClosureAsync(new RejectClosureRequest { Id = submitted.Id, Etag = submitted.Etag }).ResponseAsync);
        var rejected = await _county.RejectClosureAsync(new RejectClosureRequest { Id = submitted.Id, Etag = submitted.Etag, Reason = "证据不足，补充现场照片" });
        var again = await _station.CloseComplaintAsync(new CloseComplaintRequest { Id = rejected.Id, Etag = rejected.Etag });

        Assert.Equal(["reason"], Sample.BadFields(noReason));
        Assert.Equal(CaseStatus.CalledBack, rejected.Status);
        Assert.Equal(ClockStatus.Met, rejected.Deadlines.Single(d => d.Clock == ClockKind.Review).Status);
        Assert.Equal(CaseStatus.InReview, again.Status);
        Assert.Equal((ClockStatus.Running, 2), again.Deadlines.Where(d => d.Clock == ClockKind.Review).Select(d => (d.Status, d.Round)).Single());
        var history = await Desk.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = submitted.Id });
        Assert.Equal("证据不足，补充现场照片", history.Events.Single(e => e.ActionKind == CaseAction.ClosureRejected).Details["reason"]);
    }

    [Fact]
    public async Task A_special_case_climbs_the_chain_station_county_city_and_each_level_must_be_higher_than_the_last()
    {
        var submitted = await ClosedByStationAsync(Level.Special);

        var first = await _county.ApproveClosureAsync(new ApproveClosureRequest { Id = submitted.Id, Etag = submitted.Etag });
        var sameLevel = await Assert.ThrowsAsync<RpcException>(() => _county2.ApproveClosureAsync(new ApproveClosureRequest { Id = first.Id, Etag = first.Etag }).ResponseAsync);
        var closed = await _city.ApproveClosureAsync(new ApproveClosureRequest { Id = first.Id, Etag = first.Etag });

        Assert.Equal(CaseStatus.InReview, first.Status);
        Assert.Equal((ClockStatus.Running, 2), first.Deadlines.Where(d => d.Clock == ClockKind.Review).Select(d => (d.Status, d.Round)).Single());
        Assert.Equal((StatusCode.PermissionDenied, "NOT_ONE_LEVEL_UP"), (sameLevel.StatusCode, Sample.ErrorInfo(sameLevel).Reason));
        Assert.Equal(CaseStatus.Closed, closed.Status);
        var approvals = (await Desk.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = submitted.Id })).Events
            .Where(e => e.ActionKind == CaseAction.ClosureApproved).Select(e => (e.Actor, e.Details["approval"], e.ToStatus));
        Assert.Equal([("sup-county", "1", CaseStatus.InReview), ("sup-city", "2", CaseStatus.Closed)], approvals);
    }

    [Fact]
    public async Task A_substantiated_staff_conduct_complaint_needs_review_and_an_unsubstantiated_one_does_not()
    {
        var submit = Sample.Complaint();
        submit.Category = Category.Service;
        submit.SubCategory = SubCategory.StaffConduct;
        Task<Complaint> CalledBack() => Lifecycle.CalledBackAsync(Desk, _org, submit.Clone().Let(r => r.RequestId = Sample.Id("req")));
        async Task<Complaint> Close(Complaint c, Finding f)
        {
            c = await Findings.RecordAsync(_station, c, f);
            return await _station.CloseComplaintAsync(new CloseComplaintRequest { Id = c.Id, Etag = c.Etag });
        }

        var a = await CalledBack();
        var b = await CalledBack();
        Assert.Equal(CaseStatus.InReview, (await Close(a, Findings.Substantiated(a))).Status);
        Assert.Equal(CaseStatus.Closed, (await Close(b, Findings.Unsubstantiated(b))).Status);
    }
}

internal static class MessageExtensions
{
    public static T Let<T>(this T value, Action<T> change)
    {
        change(value);
        return value;
    }
}
