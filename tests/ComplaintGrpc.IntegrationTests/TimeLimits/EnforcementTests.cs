using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Dapper;
using Google.Protobuf.WellKnownTypes;

namespace ComplaintGrpc.IntegrationTests.TimeLimits;

/// <summary>
/// The worker process enforcing time limits against the real clock. Time is driven by the data: cases are received
/// hours in the past, so the milestones a test wants are already due when the worker starts (as after an outage)
/// and those it does not want are still ahead.
/// </summary>
public sealed class EnforcementTests(ServerHost host) : IClassFixture<ServerHost>
{
    private sealed record Org(Sample.Org Units, string StationHead, string CountyHead, string CityHead);

    private async Task<Org> OrganizationAsync()
    {
        var units = await Sample.OrganizationAsync(host.Organization);
        async Task<string> Head(string unit)
        {
            var id = Sample.Id("head");
            await host.Organization.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = id, UnitId = unit, Name = "主管", Role = HandlerRole.Supervisor } });
            return id;
        }
        return new Org(units, await Head(units.Station), await Head(units.County), await Head(units.City));
    }

    /// <summary>A case received <paramref name="ago"/> before now, dispatched to the station and assigned to its handler.</summary>
    private async Task<Complaint> AssignedCaseAsync(Org org, TimeSpan ago, Level level = Level.Normal)
    {
        var request = Sample.Complaint();
        request.Level = level;
        request.ReceivedTime = new Timestamp { Seconds = DateTimeOffset.UtcNow.Subtract(ago).ToUnixTimeSeconds() };
        var c = await host.Complaints.SubmitComplaintAsync(request);
        c = await host.Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = org.Units.Station });
        return await host.Complaints.AssignHandlerAsync(new AssignHandlerRequest { Id = c.Id, Etag = c.Etag, HandlerId = org.Units.Handler });
    }

    private sealed record Raised(string HandlerId, string Kind, string Clock, string Milestone, bool Late, DateTime CreatedAt, DateTime DeliverAfter);

    private async Task<List<Raised>> RaisedAsync(string complaintId, string clock)
    {
        await using var c = await host.Database.OpenConnectionAsync();
        return (await c.QueryAsync<Raised>("""
            SELECT handler_id, kind, clock, milestone, late, created_at, deliver_after FROM notifications
            WHERE complaint_id = @id::uuid AND clock = @clock ORDER BY milestone_at, handler_id
            """, new { id = complaintId, clock })).ToList();
    }

    /// <summary>Waits until the worker has acted on every clock of these cases since they last changed and none is
    /// due any more (a clock claimed but not yet acted on has no enforced_at).</summary>
    private async Task SettledAsync(WorkerProcess worker, params string[] complaintIds) =>
        await Poll.UntilAsync(async () =>
        {
            await using var c = await host.Database.OpenConnectionAsync();
            return await c.ExecuteScalarAsync<long>("""
                SELECT count(*) FROM case_clocks
                WHERE complaint_id = ANY(@ids::uuid[]) AND (enforced_at IS NULL OR next_action_at <= now())
                """, new { ids = complaintIds });
        }, n => n == 0, TimeSpan.FromSeconds(60), "the worker to act on every clock; worker output:\n" + worker.Output);

    [Fact]
    public async Task Reminders_go_to_the_handler_at_half_and_four_fifths_of_the_limit_and_at_the_last_call()
    {
        var org = await OrganizationAsync();
        var atHalf = await AssignedCaseAsync(org, TimeSpan.FromHours(13));
        var atFourFifths = await AssignedCaseAsync(org, TimeSpan.FromHours(20));
        var atLastCall = await AssignedCaseAsync(org, TimeSpan.FromHours(22.5));

        await using var worker = WorkerProcess.Start(host.ConnectionString);
        await SettledAsync(worker, atHalf.Id, atFourFifths.Id, atLastCall.Id);

        string[] Milestones(List<Raised> raised) => [.. raised.Select(r => r.Milestone)];
        Assert.Equal(["reminder-50"], Milestones(await RaisedAsync(atHalf.Id, "FirstContact")));
        Assert.Equal(["reminder-50", "reminder-80"], Milestones(await RaisedAsync(atFourFifths.Id, "FirstContact")));
        var last = await RaisedAsync(atLastCall.Id, "FirstContact");
        Assert.Equal(["reminder-50", "reminder-80", "last-call"], Milestones(last));
        Assert.All(last, r => Assert.Equal((org.Units.Handler, "Reminder"), (r.HandlerId, r.Kind)));

        // The reminders reach the handler's inbox.
        var inbox = await Poll.UntilAsync(
            () => host.Notifications.ListNotificationsAsync(new ListNotificationsRequest { HandlerId = org.Units.Handler, PageSize = 200 }).ResponseAsync,
            r => r.Notifications.Count(n => n.ComplaintId == atLastCall.Id && n.Kind == NotificationKind.Reminder && n.Clock == "FirstContact") == 3,
            TimeSpan.FromSeconds(60), "the reminders to be delivered; worker output:\n" + worker.Output);
        Assert.Contains(inbox.Notifications, n => n.ComplaintId == atLastCall.Id && n.Milestone == "last-call" && n.Text.Contains(atLastCall.CaseNumber));
    }

    [Fact]
    public async Task A_breach_is_recorded_when_it_happened_and_escalates_up_two_more_levels_one_per_interval()
    {
        var org = await OrganizationAsync();
        // First contact (24 h) ran out 2.5 h ago; with a 1-hour interval that is levels 1, 2 and 3.
        var breached = await AssignedCaseAsync(org, TimeSpan.FromHours(26.5));
        var dueAt = breached.Deadlines.Single(d => d.Clock == ClockKind.FirstContact).DueTime;

        await using var worker = WorkerProcess.Start(host.ConnectionString, new Dictionary<string, string>
        {
            ["TimeLimits__Milestones__EscalationInterval"] = "01:00:00",
        });
        await SettledAsync(worker, breached.Id);

        var raised = await RaisedAsync(breached.Id, "FirstContact");
        Assert.Contains(new { Handler = org.Units.Handler, Kind = "Breach", Milestone = "breach" }, raised.Select(r => new { Handler = r.HandlerId, r.Kind, r.Milestone }));
        Assert.Contains(new { Handler = org.StationHead, Kind = "Escalation", Milestone = "breach" }, raised.Select(r => new { Handler = r.HandlerId, r.Kind, r.Milestone }));
        Assert.Contains(new { Handler = org.CountyHead, Kind = "Escalation", Milestone = "escalation-2" }, raised.Select(r => new { Handler = r.HandlerId, r.Kind, r.Milestone }));
        Assert.Contains(new { Handler = org.CityHead, Kind = "Escalation", Milestone = "escalation-3" }, raised.Select(r => new { Handler = r.HandlerId, r.Kind, r.Milestone }));

        var history = await host.Complaints.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = breached.Id });
        var breach = Assert.Single(history.Events, e => e.Action == "ClockBreached" && e.Details["clock"] == "FirstContact");
        Assert.Equal(dueAt, breach.OccurredTime);
        Assert.Equal("system", breach.Actor);
        Assert.Equal(["1", "2", "3"], history.Events.Where(e => e.Action == "Escalated" && e.Details["clock"] == "FirstContact").Select(e => e.Details["level"]));
        Assert.Equal([org.Units.Station, org.Units.County, org.Units.City],
            history.Events.Where(e => e.Action == "Escalated" && e.Details["clock"] == "FirstContact").Select(e => e.Details["unit_id"]));

        var read = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = breached.Id });
        var contact = read.Deadlines.Single(d => d.Clock == ClockKind.FirstContact);
        Assert.Equal((ClockStatus.Breached, 3), (contact.Status, contact.EscalationLevel));
    }

    [Fact]
    public async Task Quiet_hours_hold_reminders_of_normal_complaints_until_they_end_but_not_of_major_ones()
    {
        var org = await OrganizationAsync();
        var normal = await AssignedCaseAsync(org, TimeSpan.FromHours(13));
        var major = await AssignedCaseAsync(org, TimeSpan.FromHours(7), Level.Major); // 12 h first-contact limit for major

        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        var quietEndLocal = local.AddSeconds(30);
        var quietEnd = TimeOnly.Parse(TimeOnly.FromDateTime(quietEndLocal.DateTime).ToString("HH:mm:ss"));
        await using var worker = WorkerProcess.Start(host.ConnectionString, new Dictionary<string, string>
        {
            ["TimeLimits__Milestones__QuietHoursStart"] = TimeOnly.FromDateTime(local.DateTime.AddHours(-1)).ToString("HH:mm:ss"),
            ["TimeLimits__Milestones__QuietHoursEnd"] = quietEnd.ToString("HH:mm:ss"),
        });
        await SettledAsync(worker, normal.Id, major.Id);

        var held = Assert.Single(await RaisedAsync(normal.Id, "FirstContact"));
        var expectedRelease = new DateTimeOffset(quietEndLocal.DateTime.Date + quietEnd.ToTimeSpan(), quietEndLocal.Offset).UtcDateTime;
        Assert.Equal(expectedRelease, held.DeliverAfter);
        var urgent = Assert.Single(await RaisedAsync(major.Id, "FirstContact"));
        Assert.Equal(urgent.CreatedAt, urgent.DeliverAfter);

        async Task<DateTime?> InboxDeliveredAsync(string complaintId)
        {
            await using var c = await host.Database.OpenConnectionAsync();
            return await c.ExecuteScalarAsync<DateTime?>("""
                SELECT d.delivered_at FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
                WHERE n.complaint_id = @id::uuid AND n.clock = 'FirstContact' AND d.channel = 'Inbox'
                """, new { id = complaintId });
        }
        // The major reminder goes out at once; the normal one only when the quiet hours end.
        await Poll.UntilAsync(() => InboxDeliveredAsync(major.Id), d => d is not null, TimeSpan.FromSeconds(30), "the major reminder");
        Assert.Null(await InboxDeliveredAsync(normal.Id));
        var released = await Poll.UntilAsync(() => InboxDeliveredAsync(normal.Id), d => d is not null, TimeSpan.FromSeconds(60), "the held reminder");
        Assert.True(released >= held.DeliverAfter);
    }

    [Fact]
    public async Task Two_workers_racing_raise_exactly_one_notification_per_milestone_and_recipient()
    {
        var org = await OrganizationAsync();
        var cases = new List<Complaint>();
        for (var i = 0; i < 6; i++)
            cases.Add(await AssignedCaseAsync(org, TimeSpan.FromHours(25 + i * 0.1)));

        await using var first = WorkerProcess.Start(host.ConnectionString);
        await using var second = WorkerProcess.Start(host.ConnectionString);
        await SettledAsync(first, [.. cases.Select(c => c.Id)]);

        foreach (var c in cases)
        {
            var raised = await RaisedAsync(c.Id, "FirstContact");
            // reminder-50, reminder-80, last-call and breach to the handler; breach escalation to the station head.
            Assert.Equal(5, raised.Count);
            Assert.Equal(raised.Count, raised.Select(r => (r.Milestone, r.HandlerId)).Distinct().Count());
        }
        await using var connection = await host.Database.OpenConnectionAsync();
        var breaches = await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM complaint_events WHERE complaint_id = ANY(@ids::uuid[]) AND action = 'ClockBreached' AND details->>'clock' = 'FirstContact'",
            new { ids = cases.Select(c => c.Id).ToArray() });
        Assert.Equal(cases.Count, breaches);
        Assert.False(first.HasExited || second.HasExited, first.Output + second.Output);
    }

    [Fact]
    public async Task After_an_outage_one_sweep_catches_up_every_missed_milestone_marked_late_and_loses_nothing()
    {
        var org = await OrganizationAsync();
        // While no worker runs, several deadlines pass: first contact on all three, and the callback clock on one.
        var a = await AssignedCaseAsync(org, TimeSpan.FromHours(30));
        var b = await AssignedCaseAsync(org, TimeSpan.FromHours(40));
        var c = await AssignedCaseAsync(org, TimeSpan.FromHours(50));

        await using var worker = WorkerProcess.Start(host.ConnectionString);
        await SettledAsync(worker, a.Id, b.Id, c.Id);

        foreach (var (complaint, escalated) in new[] { (a, false), (b, false), (c, true) })
        {
            // Due 6, 16 and 26 hours ago: only the last is past the second escalation (due + 24 h).
            var raised = await RaisedAsync(complaint.Id, "FirstContact");
            string[] expected = ["reminder-50", "reminder-80", "last-call", "breach", "breach", .. escalated ? new[] { "escalation-2" } : []];
            Assert.Equal(expected, raised.Select(r => r.Milestone));
            Assert.All(raised, r => Assert.True(r.Late, $"{r.Milestone} should be marked late"));
            var history = await host.Complaints.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = complaint.Id });
            var breach = history.Events.Single(e => e.Action == "ClockBreached" && e.Details["clock"] == "FirstContact");
            Assert.Equal(complaint.Deadlines.Single(d => d.Clock == ClockKind.FirstContact).DueTime, breach.OccurredTime);
            Assert.True(DateTimeOffset.Parse(breach.Details["noticed_at"], System.Globalization.CultureInfo.InvariantCulture) > breach.OccurredTime.ToDateTimeOffset().AddHours(1));
        }
    }
}
