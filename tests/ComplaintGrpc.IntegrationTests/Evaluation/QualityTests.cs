using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Evaluation;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage.Evaluation;
using Dapper;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace ComplaintGrpc.IntegrationTests.Evaluation;

/// <summary>质检 of 不属实 findings: the weekly draw over real PostgreSQL (the same code the worker's Quartz job runs),
/// the inspectors' queue over real gRPC, and an overturn that reopens the case and is charged to the reviewer.</summary>
public sealed class QualityTests(ServerHost host) : IClassFixture<ServerHost>
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private static DateOnly ThisWeek()
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Shanghai).DateTime);
        return today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
    }

    private static SubmitComplaintRequest Submission(Channel channel = Channel.Phone95598, string? account = null)
    {
        var r = Sample.Complaint();
        r.Channel = channel;
        r.Customer.AccountNumber = account ?? $"{Random.Shared.NextInt64(1_000_000_000, 9_999_999_999)}";
        return r;
    }

    private QualitySampler Sampler(string seed) =>
        new(host.Database, Options.Create(new SamplingOptions { Seed = seed }), TimeProvider.System);

    private sealed record World(Sample.Org A, Sample.Org B, ComplaintService.ComplaintServiceClient ReviewerA,
        List<SamplingCandidate> Candidates, Complaint Regulator, Complaint Repeat);

    /// <summary>City A: 10 ordinary 不属实 cases, one from 12398, one whose customer complained again, and one substantiated
    /// case (not a candidate); city B: 3 ordinary 不属实 cases. Every finding recorded and closed by the station supervisor.</summary>
    private async Task<World> BuildAsync()
    {
        var a = await Sample.OrganizationAsync(host.Organization);
        var b = await Sample.OrganizationAsync(host.Organization);
        var reviewerA = new ComplaintService.ComplaintServiceClient(host.ChannelFor(host.Token("sup-station-a", [Roles.Supervisor], a.Station)));
        var reviewerB = new ComplaintService.ComplaintServiceClient(host.ChannelFor(host.Token("sup-station-b", [Roles.Supervisor], b.Station)));
        var candidates = new List<SamplingCandidate>();
        for (var i = 0; i < 10; i++)
            candidates.Add(new(Guid.Parse((await Lifecycle.ClosedAsync(host.Complaints, reviewerA, a, Submission())).Id), a.City));
        var regulator = await Lifecycle.ClosedAsync(host.Complaints, reviewerA, a, Submission(Channel.Regulator12398));
        candidates.Add(new(Guid.Parse(regulator.Id), a.City, QualityDrawReason.Regulator12398));
        var account = $"{Random.Shared.NextInt64(1_000_000_000, 9_999_999_999)}";
        var repeat = await Lifecycle.ClosedAsync(host.Complaints, reviewerA, a, Submission(account: account));
        await host.Complaints.SubmitComplaintAsync(Submission(account: account)); // the customer complains again
        candidates.Add(new(Guid.Parse(repeat.Id), a.City, QualityDrawReason.RepeatComplaint));
        await Lifecycle.ClosedAsync(host.Complaints, reviewerA, a, Submission(), substantiated: true);
        for (var i = 0; i < 3; i++)
            candidates.Add(new(Guid.Parse((await Lifecycle.ClosedAsync(host.Complaints, reviewerB, b, Submission())).Id), b.City));
        return new World(a, b, reviewerA, candidates, regulator, repeat);
    }

    [Fact]
    public async Task The_weekly_draw_takes_each_citys_share_from_the_seed_and_always_takes_12398_and_repeat_cases()
    {
        var w = await BuildAsync();
        var week = ThisWeek();

        var drawn = (await Sampler("seed-42").RunAsync(week, CancellationToken.None)).Where(d => d.CityUnitId == w.A.City || d.CityUnitId == w.B.City).ToList();
        var rerun = (await Sampler("seed-42").RunAsync(week, CancellationToken.None)).Where(d => d.CityUnitId == w.A.City || d.CityUnitId == w.B.City).ToList();

        // Exactly the pure draw over the candidates this test made: the SQL finds the same candidates, cities and reasons.
        Assert.Equal(QualitySampling.Draw(w.Candidates, "seed-42", week, 0.10, 5), drawn);
        Assert.Equal(drawn, rerun);
        var inA = drawn.Where(d => d.CityUnitId == w.A.City).ToList();
        Assert.Equal(5, inA.Count); // 12 candidates: 10 % is 2, at least 5
        Assert.Contains(new DrawnCase(Guid.Parse(w.Regulator.Id), w.A.City, QualityDrawReason.Regulator12398), inA);
        Assert.Contains(new DrawnCase(Guid.Parse(w.Repeat.Id), w.A.City, QualityDrawReason.RepeatComplaint), inA);
        Assert.Equal(3, inA.Count(d => d.Reason == QualityDrawReason.Sampled));
        Assert.Equal(3, drawn.Count(d => d.CityUnitId == w.B.City)); // fewer than 5: all of them

        var admin = new QualityService.QualityServiceClient(host.Channel);
        var queued = (await admin.ListQualityQueueAsync(new ListQualityQueueRequest { PageSize = 200 })).Entries
            .Where(e => e.CityUnitId == w.A.City || e.CityUnitId == w.B.City).ToList();
        Assert.Equal(drawn.Select(d => d.CaseId.ToString()).Order(), queued.Select(e => e.ComplaintId).Order());
        Assert.All(queued, e => Assert.Equal((week.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), 1, QualityVerdict.Unspecified),
            (e.WeekStart, e.FindingVersion, e.Verdict)));
    }

    [Fact]
    public async Task An_inspector_works_their_subtrees_queue_and_an_overturn_reopens_the_case_charged_to_the_original_reviewer()
    {
        var w = await BuildAsync();
        await Sampler("seed-7").RunAsync(ThisWeek(), CancellationToken.None);
        var inspectorA = new QualityService.QualityServiceClient(host.ChannelFor(host.Token("insp-a", [Roles.Inspector], w.A.City)));
        var inspectorB = new QualityService.QualityServiceClient(host.ChannelFor(host.Token("insp-b", [Roles.Inspector], w.B.City)));

        var first = await inspectorA.ListQualityQueueAsync(new ListQualityQueueRequest { OpenOnly = true, PageSize = 3 });
        var second = await inspectorA.ListQualityQueueAsync(new ListQualityQueueRequest { OpenOnly = true, PageSize = 3, PageToken = first.NextPageToken });
        var listed = first.Entries.Concat(second.Entries).ToList();
        Assert.Equal(5, listed.Count);
        Assert.All(listed, e => Assert.Equal((w.A.City, w.A.Station, "sup-station-a", w.A.Station), (e.CityUnitId, e.UnitId, e.Reviewer, e.ReviewerUnitId)));

        var toOverturn = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = listed[0].ComplaintId });
        var toConfirm = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = listed[1].ComplaintId });
        var foreign = await Assert.ThrowsAsync<RpcException>(() => inspectorB.RecordQualityVerdictAsync(new RecordQualityVerdictRequest
            { Id = toOverturn.Id, Etag = toOverturn.Etag, Verdict = QualityVerdict.Overturned, Reason = "x" }).ResponseAsync);
        var noReason = await Assert.ThrowsAsync<RpcException>(() => inspectorA.RecordQualityVerdictAsync(new RecordQualityVerdictRequest
            { Id = toOverturn.Id, Etag = toOverturn.Etag, Verdict = QualityVerdict.Overturned }).ResponseAsync);
        var overturned = await inspectorA.RecordQualityVerdictAsync(new RecordQualityVerdictRequest
            { Id = toOverturn.Id, Etag = toOverturn.Etag, Verdict = QualityVerdict.Overturned, Reason = "录音显示确有停电，认定不实" });
        var confirmed = await inspectorA.RecordQualityVerdictAsync(new RecordQualityVerdictRequest
            { Id = toConfirm.Id, Etag = toConfirm.Etag, Verdict = QualityVerdict.Confirmed, Reason = "记录一致" });
        var afterConfirm = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = toConfirm.Id });
        var twice = await Assert.ThrowsAsync<RpcException>(() => inspectorA.RecordQualityVerdictAsync(new RecordQualityVerdictRequest
            { Id = afterConfirm.Id, Etag = afterConfirm.Etag, Verdict = QualityVerdict.Overturned, Reason = "x" }).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, foreign.StatusCode);
        Assert.Equal(["reason"], Sample.BadFields(noReason));
        Assert.Equal((StatusCode.FailedPrecondition, "NOT_IN_QUALITY_QUEUE"), (twice.StatusCode, Sample.ErrorInfo(twice).Reason));
        Assert.Equal((QualityVerdict.Overturned, "insp-a", "sup-station-a", w.A.Station), (overturned.Verdict, overturned.Inspector, overturned.Reviewer, overturned.ReviewerUnitId));
        Assert.Equal(QualityVerdict.Confirmed, confirmed.Verdict);
        Assert.Equal(CaseStatus.Closed, afterConfirm.Status);

        var reopened = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = toOverturn.Id });
        Assert.Equal((CaseStatus.Contacted, Substantiation.Unspecified, toOverturn.ReopenCount + 1), (reopened.Status, reopened.Substantiation, reopened.ReopenCount));
        Assert.Equal(ClockStatus.Running, reopened.Deadlines.Single(d => d.Clock == ClockKind.Reply).Status);
        var finding = await host.Complaints.GetFindingAsync(new GetFindingRequest { Id = toOverturn.Id });
        Assert.Null(finding.Current);
        Assert.Equal((true, "录音显示确有停电，认定不实"), (finding.Versions.Single().SetAside, finding.Versions.Single().SetAsideReason));
        var charge = (await host.Complaints.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = toOverturn.Id })).Events[^1];
        Assert.Equal((CaseAction.QualityOverturned, "insp-a", "sup-station-a", w.A.Station, "1"),
            (charge.ActionKind, charge.Actor, charge.Details["charged_reviewer"], charge.Details["charged_reviewer_unit_id"], charge.Details["set_aside_finding_version"]));
        Assert.DoesNotContain(toOverturn.Id, (await inspectorA.ListQualityQueueAsync(new ListQualityQueueRequest { OpenOnly = true, PageSize = 200 })).Entries.Select(e => e.ComplaintId));

        // The reopened case is handled again and gets a new finding, version 2, beside the set-aside one.
        await Findings.RecordAsync(w.ReviewerA, reopened, Findings.Substantiated(reopened));
        var after = await host.Complaints.GetFindingAsync(new GetFindingRequest { Id = toOverturn.Id });
        Assert.Equal((2, Substantiation.Substantiated), (after.Current.Version, after.Current.Outcome));
    }

    [Fact]
    public async Task The_worker_runs_the_draw_from_its_quartz_trigger_for_the_week_before()
    {
        var previousWeek = ThisWeek().AddDays(-7).ToDateTime(TimeOnly.MinValue);
        await using var worker = WorkerProcess.Start(host.ConnectionString, new Dictionary<string, string>
        {
            ["Evaluation__Sampling__Cron"] = "0/2 * * * * ?",
        });

        var runs = await Poll.UntilAsync(async () =>
        {
            await using var c = await host.Database.OpenConnectionAsync();
            return await c.ExecuteScalarAsync<long>("SELECT count(*) FROM quality_sampling_runs WHERE week_start = @previousWeek", new { previousWeek });
        }, n => n == 1, TimeSpan.FromSeconds(60), "the weekly sampling run");

        Assert.Equal(1, runs);
    }
}
