using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Reporting;
using ComplaintGrpc.Server.Security;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Outages;

/// <summary>
/// 停电信息: notices put by an OMS bridge (an intake token) and matched at intake against outage complaints by grid
/// location and time (margin: the default 2 hours). Each test has its own organisation and its own feeder names, so
/// no other test's notice can cover its cases.
/// </summary>
public sealed class OutageNoticeTests(ServerHost host) : IClassFixture<ServerHost>
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());

    private OutageNoticeService.OutageNoticeServiceClient Oms(string unit) =>
        new(host.ChannelFor(host.Token(Sample.Id("oms"), [Roles.Intake], unit)));

    private static OutageNotice Notice(string unit, string feeder, DateTimeOffset start, DateTimeOffset? announced) => new()
    {
        NoticeId = Sample.Id("N"),
        UnitId = unit,
        Feeders = { feeder },
        Kind = OutageNoticeKind.Planned,
        PlannedStartTime = Timestamp.FromDateTimeOffset(start),
        PlannedEndTime = Timestamp.FromDateTimeOffset(start.AddHours(6)),
        AnnounceTime = announced is { } a ? Timestamp.FromDateTimeOffset(a) : null,
        AnnouncementChannels = { announced is null ? [] : new[] { AnnouncementChannel.Sms, AnnouncementChannel.NoticeBoard } },
        Description = "10kV 线路检修",
    };

    private static SubmitComplaintRequest OutageCase(string feeder, DateTimeOffset received, SubCategory sub = SubCategory.Outage)
    {
        var r = Sample.Complaint();
        r.SubCategory = sub;
        r.Category = sub switch
        {
            SubCategory.Outage => Category.Outage,
            SubCategory.FrequentOutage => Category.SupplyQuality,
            _ => Category.Business,
        };
        r.Customer.Phone = "139" + Random.Shared.NextInt64(10_000_000, 99_999_999);
        r.Customer.AccountNumber = "A" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);
        r.Location.Feeder = feeder;
        r.Location.TransformerArea = Sample.Id("area");
        r.Location.Substation = Sample.Id("sub");
        r.ReceivedTime = Timestamp.FromDateTimeOffset(received);
        return r;
    }

    [Fact]
    public async Task An_outage_complaint_during_an_announced_outage_on_its_feeder_is_matched_announced_and_listed_as_flagged()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var feeder = Sample.Id("feeder");
        var notice = await Oms(org.Province).PutOutageNoticeAsync(new PutOutageNoticeRequest
        {
            Notice = Notice(org.County, feeder, Now.AddHours(-3), Now.AddDays(-2)),
        });

        var submitted = await host.Complaints.SubmitComplaintAsync(OutageCase(feeder, Now.AddMinutes(-10)));

        Assert.Equal((OutageMatch.Announced, notice.NoticeId), (submitted.OutageMatch, submitted.OutageNoticeId));
        var read = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = submitted.Id });
        Assert.Equal((OutageMatch.Announced, notice.NoticeId), (read.OutageMatch, read.OutageNoticeId));
        var history = await host.Complaints.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = submitted.Id });
        var details = history.Events.Single(e => e.ActionKind == CaseAction.Submitted).Details;
        Assert.Equal(("Announced", notice.NoticeId), (details["outage_match"], details["outage_notice_id"]));
        var flagged = await host.Complaints.ListComplaintsAsync(new ListComplaintsRequest
        {
            OutageMatches = { OutageMatch.Announced }, Feeder = feeder,
        });
        Assert.Equal([submitted.Id], flagged.Complaints.Select(c => c.Id));
        var none = await host.Complaints.ListComplaintsAsync(new ListComplaintsRequest { OutageMatches = { OutageMatch.Unannounced }, Feeder = feeder });
        Assert.Empty(none.Complaints);
    }

    [Fact]
    public async Task A_notice_not_announced_or_announced_after_the_start_makes_the_case_unannounced()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var (quiet, late) = (Sample.Id("feeder"), Sample.Id("feeder"));
        var oms = Oms(org.Province);
        var never = await oms.PutOutageNoticeAsync(new PutOutageNoticeRequest { Notice = Notice(org.County, quiet, Now.AddHours(-1), null) });
        var afterStart = await oms.PutOutageNoticeAsync(new PutOutageNoticeRequest { Notice = Notice(org.County, late, Now.AddHours(-1), Now.AddMinutes(-30)) });

        var a = await host.Complaints.SubmitComplaintAsync(OutageCase(quiet, Now.AddMinutes(-5)));
        var b = await host.Complaints.SubmitComplaintAsync(OutageCase(late, Now.AddMinutes(-5), SubCategory.Outage));

        Assert.Equal((OutageMatch.Unannounced, never.NoticeId), (a.OutageMatch, a.OutageNoticeId));
        Assert.Equal((OutageMatch.Unannounced, afterStart.NoticeId), (b.OutageMatch, b.OutageNoticeId));
        await using var c = await host.Database.OpenConnectionAsync();
        Assert.Equal(["Unannounced", "Unannounced"], await c.QueryAsync<string>(
            "SELECT outage_match FROM complaints WHERE id = ANY(@ids) ORDER BY id", new { ids = new[] { Guid.Parse(a.Id), Guid.Parse(b.Id) } }));
    }

    [Fact]
    public async Task A_case_outside_the_window_or_on_another_feeder_matches_none_and_a_non_outage_case_is_never_matched()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var feeder = Sample.Id("feeder");
        // Planned from 20 hours ago to 14 hours ago: with the 2-hour margin, a case received 11 hours ago is outside.
        await Oms(org.Province).PutOutageNoticeAsync(new PutOutageNoticeRequest { Notice = Notice(org.County, feeder, Now.AddHours(-20), Now.AddDays(-3)) });
        var during = Now.AddHours(-17);

        var late = await host.Complaints.SubmitComplaintAsync(OutageCase(feeder, Now.AddHours(-11)));
        var elsewhere = await host.Complaints.SubmitComplaintAsync(OutageCase(Sample.Id("feeder"), during));
        var billing = await host.Complaints.SubmitComplaintAsync(OutageCase(feeder, during, SubCategory.TariffBilling));
        var inWindow = await host.Complaints.SubmitComplaintAsync(OutageCase(feeder, during));

        Assert.Equal((OutageMatch.None, ""), (late.OutageMatch, late.OutageNoticeId));
        Assert.Equal((OutageMatch.None, ""), (elsewhere.OutageMatch, elsewhere.OutageNoticeId));
        Assert.Equal((OutageMatch.Unspecified, ""), (billing.OutageMatch, billing.OutageNoticeId));
        Assert.Equal(OutageMatch.Announced, inWindow.OutageMatch);
    }

    [Fact]
    public async Task A_put_of_the_same_id_updates_the_notice_with_a_new_etag_a_retry_keeps_it_and_a_stale_etag_is_aborted()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var oms = Oms(org.Province);
        var first = Notice(org.County, Sample.Id("feeder"), Now.AddDays(1), Now);
        var stored = await oms.PutOutageNoticeAsync(new PutOutageNoticeRequest { Notice = first });
        var retried = await oms.PutOutageNoticeAsync(new PutOutageNoticeRequest { Notice = first });
        Assert.Equal(stored.Etag, retried.Etag);

        var changed = first.Clone();
        changed.PlannedEndTime = Timestamp.FromDateTimeOffset(Now.AddDays(1).AddHours(8));
        var updated = await oms.PutOutageNoticeAsync(new PutOutageNoticeRequest { Notice = changed, Etag = stored.Etag });
        Assert.NotEqual(stored.Etag, updated.Etag);
        Assert.Equal(changed.PlannedEndTime, (await oms.GetOutageNoticeAsync(new GetOutageNoticeRequest { NoticeId = first.NoticeId })).PlannedEndTime);

        var again = changed.Clone();
        again.Description = "改期";
        var stale = await Assert.ThrowsAsync<RpcException>(() => oms.PutOutageNoticeAsync(new PutOutageNoticeRequest { Notice = again, Etag = stored.Etag }).ResponseAsync);
        Assert.Equal(StatusCode.Aborted, stale.StatusCode);
        var missing = await Assert.ThrowsAsync<RpcException>(() => oms.GetOutageNoticeAsync(new GetOutageNoticeRequest { NoticeId = Sample.Id("N") }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Invalid_notices_name_each_bad_field_and_store_nothing()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var oms = Oms(org.Province);
        var bad = Notice(org.County, Sample.Id("feeder"), Now, null);
        (bad.PlannedEndTime, bad.Kind) = (Timestamp.FromDateTimeOffset(Now.AddHours(-1)), OutageNoticeKind.Unspecified);
        bad.AnnouncementChannels.Add(AnnouncementChannel.Sms);
        var unknownUnit = Notice(Sample.Id("nounit"), Sample.Id("feeder"), Now, null);
        var nowhere = Notice(org.County, "x", Now, null);
        nowhere.Feeders.Clear();

        var e1 = await Assert.ThrowsAsync<RpcException>(() => oms.PutOutageNoticeAsync(new PutOutageNoticeRequest { Notice = bad }).ResponseAsync);
        var e2 = await Assert.ThrowsAsync<RpcException>(() => oms.PutOutageNoticeAsync(new PutOutageNoticeRequest { Notice = unknownUnit }).ResponseAsync);
        var e3 = await Assert.ThrowsAsync<RpcException>(() => oms.PutOutageNoticeAsync(new PutOutageNoticeRequest { Notice = nowhere }).ResponseAsync);

        Assert.All(new[] { e1, e2, e3 }, e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
        Assert.Equal(["notice.kind", "notice.planned_end_time", "notice.announce_time"], Sample.BadFields(e1));
        Assert.Equal(["notice.unit_id"], Sample.BadFields(e2));
        Assert.Equal(["notice.feeders"], Sample.BadFields(e3));
        await using var c = await host.Database.OpenConnectionAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<int>("SELECT count(*) FROM outage_notices WHERE notice_id = ANY(@ids)",
            new { ids = new[] { bad.NoticeId, unknownUnit.NoticeId, nowhere.NoticeId } }));
    }

    [Fact]
    public async Task Notices_are_listed_by_unit_subtree_and_window_overlap_newest_start_first_in_pages()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var other = await Sample.OrganizationAsync(host.Organization);
        var oms = Oms(org.Province);
        var start = Now.AddDays(30).AddMinutes(Random.Shared.Next(0, 1000));
        var ids = new List<string>();
        foreach (var (unit, hours) in new[] { (org.County, 0), (org.Station, 1), (org.City, 2), (org.County, 100) })
            ids.Add((await oms.PutOutageNoticeAsync(new PutOutageNoticeRequest { Notice = Notice(unit, Sample.Id("f"), start.AddHours(hours), null) })).NoticeId);
        await oms.PutOutageNoticeAsync(new PutOutageNoticeRequest { Notice = Notice(other.County, Sample.Id("f"), start, null) });

        var request = new ListOutageNoticesRequest
        {
            UnitId = org.County,
            FromTime = Timestamp.FromDateTimeOffset(start.AddHours(-1)),
            ToTime = Timestamp.FromDateTimeOffset(start.AddHours(50)),
            PageSize = 1,
        };
        var first = await oms.ListOutageNoticesAsync(request);
        request.PageToken = first.NextPageToken;
        var second = await oms.ListOutageNoticesAsync(request);

        // The county's subtree holds the county and the station; the city is above it; the 100-hour one is outside the window.
        Assert.Equal([ids[1]], first.Notices.Select(n => n.NoticeId));
        Assert.Equal([ids[0]], second.Notices.Select(n => n.NoticeId));
        Assert.Equal("", second.NextPageToken);
    }

    [Fact]
    public async Task The_monthly_analysis_report_counts_received_outage_complaints_by_their_match()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var received = Now.AddMinutes(-10);
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var month = AnalysisMonth.Of(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(received, zone).DateTime), zone);
        var before = await OutageMatchesAsync(month);
        var (announced, quiet) = (Sample.Id("feeder"), Sample.Id("feeder"));
        var oms = Oms(org.Province);
        await oms.PutOutageNoticeAsync(new PutOutageNoticeRequest { Notice = Notice(org.County, announced, Now.AddHours(-1), Now.AddDays(-1)) });
        await oms.PutOutageNoticeAsync(new PutOutageNoticeRequest { Notice = Notice(org.County, quiet, Now.AddHours(-1), null) });

        await host.Complaints.SubmitComplaintAsync(OutageCase(announced, received));
        await host.Complaints.SubmitComplaintAsync(OutageCase(quiet, received));
        await host.Complaints.SubmitComplaintAsync(OutageCase(quiet, received, SubCategory.FrequentOutage));
        await host.Complaints.SubmitComplaintAsync(OutageCase(Sample.Id("feeder"), received));
        await host.Complaints.SubmitComplaintAsync(OutageCase(announced, received, SubCategory.TariffBilling));
        var after = await OutageMatchesAsync(month);

        Assert.Equal((1, 2, 1), (after.Announced.Current - before.Announced.Current, after.Unannounced.Current - before.Unannounced.Current,
            after.None.Current - before.None.Current));
    }

    private async Task<MonthlyOutageMatches> OutageMatchesAsync(AnalysisMonth month)
    {
        await using var connection = await host.Database.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        var report = await AnalysisReportQuery.ComputeAsync(connection, tx, month, 60, CancellationToken.None);
        return report.OutageMatches;
    }
}
