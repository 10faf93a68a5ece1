using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.Analysis;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.IntegrationTests.TimeLimits;
using ComplaintGrpc.Reporting.Hotspots;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Worker.Analysis;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ComplaintGrpc.IntegrationTests.Analysis;

/// <summary>The worker's frequent-outage / low-voltage flag job (built in-process on a fake clock, over the real
/// database of a real server), its notifications delivered by the outbox sweep, and ListHotspotFlags over gRPC.</summary>
public sealed class HotspotFlagTests(SweepHost host) : IClassFixture<SweepHost>
{
    private static readonly HotspotFlagOptions Options3 = new() { WindowDays = 7, Threshold = 3 };

    private async Task CaseAsync(SweepHost.Org org, DateTimeOffset receivedAt, SubCategory sub, string feeder, string area)
    {
        var r = Sample.Complaint();
        r.SubCategory = sub;
        r.Category = Taxonomy.CategoryOf(sub)!.Value;
        r.Location = new GridLocation { Feeder = feeder, TransformerArea = area };
        r.ReceivedTime = Timestamp.FromDateTimeOffset(receivedAt);
        var c = await host.Complaints.SubmitComplaintAsync(r);
        await host.Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = org.Units.Station });
    }

    private AnalysisService.AnalysisServiceClient Analysis(string subject, string role, string? unit) =>
        new(host.ChannelFor(DevTokens.Mint(host.Auth, subject, [role], unit, lifetime: TimeSpan.FromDays(60), now: host.Now.AddDays(-40))));

    [Fact]
    public async Task A_flag_is_raised_once_per_area_and_window_and_notifies_the_units_supervisors()
    {
        var org = await host.OrganizationWithHeadsAsync();
        var zone = SweepHost.Beijing;
        var p = FlagWindow.Containing(host.Now.AddDays(-18), Options3.WindowDays, zone);
        var q = FlagWindow.Containing(p.End, Options3.WindowDays, zone);
        Assert.Equal(p.End, q.Start);
        var feeder = Sample.Id("feeder");
        var (t1, t2, t3) = (Sample.Id("ta1"), Sample.Id("ta2"), Sample.Id("ta3"));

        // Window P: an outage, a frequent outage and a voltage complaint on the feeder (areas t1, t1, t2), and a
        // billing complaint on it that does not count.
        await CaseAsync(org, p.Start.AddHours(1), SubCategory.Outage, feeder, t1);
        await CaseAsync(org, p.Start.AddHours(2), SubCategory.FrequentOutage, feeder, t1);
        await CaseAsync(org, p.Start.AddHours(3), SubCategory.TariffBilling, feeder, t1);
        await CaseAsync(org, p.Start.AddHours(4), SubCategory.Voltage, feeder, t2);

        var clock = new FakeTimeProvider(p.Start.AddDays(1));
        var job = new HotspotFlagJob(new HotspotFlags(host.Database, Options.Create(Options3)), clock, NullLogger<HotspotFlagJob>.Instance);
        List<(string, string, int, DateTime, DateTime)> Mine(IEnumerable<RaisedFlag> flags) =>
            [.. flags.Where(f => f.UnitId == org.Units.Station).Select(f => (f.Grain, f.Area, f.CaseCount, f.WindowStart, f.WindowEnd)).Order()];

        Assert.Equal([("Feeder", feeder, 3, p.Start.UtcDateTime, p.End.UtcDateTime)], Mine(await job.RunAsync(CancellationToken.None)));
        Assert.Empty(Mine(await job.RunAsync(CancellationToken.None)));

        // Window Q: two cases in area t3 stay below the threshold; the third raises the feeder and the area, once.
        await CaseAsync(org, q.Start.AddHours(1), SubCategory.Outage, feeder, t3);
        await CaseAsync(org, q.Start.AddHours(2), SubCategory.Voltage, feeder, t3);
        clock.SetUtcNow(q.Start.AddDays(1));
        Assert.Empty(Mine(await job.RunAsync(CancellationToken.None)));
        await CaseAsync(org, q.Start.AddHours(3), SubCategory.FrequentOutage, feeder, t3);
        clock.SetUtcNow(q.Start.AddDays(2));
        Assert.Equal([("Feeder", feeder, 3, q.Start.UtcDateTime, q.End.UtcDateTime), ("TransformerArea", t3, 3, q.Start.UtcDateTime, q.End.UtcDateTime)],
            Mine(await job.RunAsync(CancellationToken.None)));
        Assert.Empty(Mine(await job.RunAsync(CancellationToken.None)));

        // Listed newest first, in the unit's subtree only.
        var listed = (await Analysis("sup-county", Roles.Supervisor, org.Units.County).ListHotspotFlagsAsync(new ListHotspotFlagsRequest { PageSize = 2 }));
        Assert.Equal(2, listed.Flags.Count);
        Assert.All(listed.Flags, f => Assert.Equal(q.Start, f.WindowStartTime.ToDateTimeOffset()));
        var rest = await Analysis("sup-county", Roles.Supervisor, org.Units.County).ListHotspotFlagsAsync(new ListHotspotFlagsRequest { PageSize = 2, PageToken = listed.NextPageToken });
        var last = Assert.Single(rest.Flags);
        Assert.Equal("", rest.NextPageToken);
        Assert.Equal((HotspotGrain.Feeder, feeder, org.Units.Station, 3, 3, p.Start, p.End, p.Start.AddDays(1)),
            (last.Grain, last.Area, last.UnitId, last.CaseCount, last.Threshold, last.WindowStartTime.ToDateTimeOffset(), last.WindowEndTime.ToDateTimeOffset(),
                last.RaisedTime.ToDateTimeOffset()));
        var other = await host.OrganizationWithHeadsAsync();
        Assert.Empty((await Analysis("sup-other", Roles.Supervisor, other.Units.County).ListHotspotFlagsAsync(new ListHotspotFlagsRequest())).Flags);

        // One notification per flag to the station's supervisor, about no case; delivered to the inbox.
        var flagIds = listed.Flags.Concat(rest.Flags).Select(f => f.FlagId).Order().ToList();
        await using (var connection = await host.Database.OpenConnectionAsync())
        {
            var raised = (await connection.QueryAsync<(string HandlerId, string Kind, Guid? ComplaintId, Guid HotspotId)>(
                "SELECT handler_id, kind, complaint_id, hotspot_id FROM notifications WHERE hotspot_id = ANY(@ids::uuid[]) ORDER BY hotspot_id",
                new { ids = flagIds.ToArray() })).ToList();
            Assert.Equal(flagIds.Select(id => (org.StationHead, "Hotspot", (Guid?)null, Guid.Parse(id))), raised.OrderBy(r => r.HotspotId.ToString()));
        }
        await host.OutboxAsync();
        var inbox = await Poll.UntilAsync(
            async () => (await new NotificationService.NotificationServiceClient(host.Desk).ListNotificationsAsync(new ListNotificationsRequest { HandlerId = org.StationHead })).Notifications,
            n => n.Count(x => x.Kind == NotificationKind.Hotspot) == 3, what: "three hotspot notifications in the station head's inbox");
        Assert.All(inbox.Where(n => n.Kind == NotificationKind.Hotspot), n =>
        {
            Assert.Equal("", n.ComplaintId);
            Assert.Equal("", n.CaseNumber);
            Assert.Contains(n.HotspotId, flagIds);
            Assert.True(n.Text.Contains(feeder, StringComparison.Ordinal) || n.Text.Contains(t3, StringComparison.Ordinal), n.Text);
        });
    }

    [Fact]
    public async Task The_worker_process_runs_the_job_on_its_quartz_trigger()
    {
        var org = await host.OrganizationWithHeadsAsync();
        var feeder = Sample.Id("feeder");
        await CaseAsync(org, host.Now.AddHours(-2), SubCategory.Outage, feeder, Sample.Id("ta"));
        await CaseAsync(org, host.Now.AddHours(-1), SubCategory.Voltage, feeder, Sample.Id("ta"));

        await using var worker = WorkerProcess.Start(host.ConnectionString, new Dictionary<string, string>
        {
            ["Analysis__HotspotFlags__Cron"] = "0/2 * * * * ?",
            ["Analysis__HotspotFlags__Threshold"] = "2",
        });
        var flags = await Poll.UntilAsync(async () =>
        {
            await using var c = await host.Database.OpenConnectionAsync();
            return (await c.QueryAsync<(string Grain, int CaseCount)>("SELECT grain, case_count FROM hotspot_flags WHERE unit_id = @unit AND area = @feeder",
                new { unit = org.Units.Station, feeder })).ToList();
        }, f => f.Count > 0, TimeSpan.FromSeconds(60), "the worker's hotspot flag run");
        Assert.Equal([("Feeder", 2)], flags);
    }
}
