using System.Diagnostics;
using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Dapper;
using Xunit.Abstractions;

namespace ComplaintGrpc.IntegrationTests.TimeLimits;

/// <summary>
/// The time-limit rules as the worker enforces them, run in-process: the server and the deadline sweep share a fake
/// clock, tests move it and sweep. Real gRPC server, real PostgreSQL, no worker process and no waiting.
/// </summary>
[Trait("Tier", "Integration")]
public sealed class DeadlineSweepTests(SweepHost host, ITestOutputHelper output) : IClassFixture<SweepHost>
{
    private static readonly MilestoneOptions NoQuietHours = new() { QuietHoursStart = new TimeOnly(0, 0), QuietHoursEnd = new TimeOnly(0, 0) };

    /// <summary>80 % of a 24-hour clock: 19 h 12 min.</summary>
    private static readonly TimeSpan FourFifths = TimeSpan.FromMinutes(19 * 60 + 12);

    private static string[] Names(IEnumerable<SweepHost.Raised> raised) => [.. raised.Select(r => r.Milestone)];

    private async Task<IReadOnlyList<ComplaintEvent>> HistoryAsync(string id) =>
        (await host.Complaints.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = id })).Events;

    [Fact]
    public async Task A_new_case_is_due_at_no_time_before_its_first_milestone_and_reminders_come_at_half_four_fifths_and_the_last_call()
    {
        var org = await host.OrganizationWithHeadsAsync();
        var start = host.AdvanceToLocal(9);
        var c = await host.AssignedCaseAsync(org, start);

        // Writing the clocks made nothing due: the 24-hour first-contact clock is next looked at halfway.
        await host.SweepAsync(NoQuietHours);
        Assert.Empty(await host.RaisedAsync(c.Id, "FirstContact"));
        Assert.Equal(start.AddHours(12), await host.NextActionAtAsync(c.Id, "FirstContact"));

        host.AdvanceTo(start.AddHours(12));
        await host.SweepAsync(NoQuietHours);
        Assert.Equal(["reminder-50"], Names(await host.RaisedAsync(c.Id, "FirstContact")));
        Assert.Equal(start + FourFifths, await host.NextActionAtAsync(c.Id, "FirstContact"));

        host.AdvanceTo(start + FourFifths);
        await host.SweepAsync(NoQuietHours);
        host.AdvanceTo(start.AddHours(22));
        await host.SweepAsync(NoQuietHours);

        var raised = await host.RaisedAsync(c.Id, "FirstContact");
        Assert.Equal(["reminder-50", "reminder-80", "last-call"], Names(raised));
        Assert.All(raised, r =>
        {
            Assert.Equal((org.Units.Handler, "Reminder", false), (r.HandlerId, r.Kind, r.Late));
            // Raised at the instant it fell due, and let out at once.
            Assert.Equal(r.MilestoneAt, r.CreatedAt);
            Assert.Equal(r.CreatedAt, r.DeliverAfter);
        });
        Assert.Equal(start.AddHours(24), await host.NextActionAtAsync(c.Id, "FirstContact"));
    }

    [Fact]
    public async Task A_case_not_yet_dispatched_has_its_dispatch_reminders_and_breach_sent_to_the_top_level_units_supervisors()
    {
        // Before dispatch a case has no unit and no handler; the supervisors of the top-level units are the ones who
        // see such cases (as at intake), so they hear of its milestones instead of nobody.
        var org = await host.OrganizationWithHeadsAsync();
        var desk = Sample.Id("desk");
        await host.Organization.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = desk, UnitId = org.Units.Province, Name = "值班主管", Role = HandlerRole.Supervisor } });
        var start = host.AdvanceToLocal(9);
        var request = Sample.Complaint();
        request.ReceivedTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(start);
        var c = await host.Complaints.SubmitComplaintAsync(request);
        var due = c.Deadlines.Single(d => d.Clock == ClockKind.Dispatch).DueTime.ToDateTimeOffset();

        host.AdvanceTo(due.AddMinutes(1));
        await host.SweepAsync(NoQuietHours);

        var raised = (await host.RaisedAsync(c.Id, "Dispatch")).Where(r => r.HandlerId == desk).ToList();
        Assert.Equal(["reminder-50", "reminder-80", "breach"], Names(raised));
        Assert.Equal(["Reminder", "Reminder", "Escalation"], raised.Select(r => r.Kind));
        // Nobody below the top-level units is told of a case that is not theirs yet.
        Assert.DoesNotContain(await host.RaisedAsync(c.Id, "Dispatch"), r => r.HandlerId == org.StationHead || r.HandlerId == org.CityHead);
    }

    [Fact]
    public async Task A_breach_is_recorded_at_its_real_instant_and_escalates_one_level_per_interval_up_the_chain()
    {
        var org = await host.OrganizationWithHeadsAsync();
        var hourly = new MilestoneOptions { EscalationInterval = TimeSpan.FromHours(1), QuietHoursStart = new TimeOnly(0, 0), QuietHoursEnd = new TimeOnly(0, 0) };
        var start = host.AdvanceToLocal(9);
        var c = await host.AssignedCaseAsync(org, start);
        var due = c.Deadlines.Single(d => d.Clock == ClockKind.FirstContact).DueTime.ToDateTimeOffset();
        Assert.Equal(start.AddHours(24), due);

        host.AdvanceTo(due.AddSeconds(10));
        await host.SweepAsync(hourly);
        var escalations = (await host.RaisedAsync(c.Id, "FirstContact")).Where(r => r.Kind != "Reminder").ToList();
        Assert.Equal([(org.Units.Handler, "Breach", "breach", false), (org.StationHead, "Escalation", "breach", false)],
            escalations.Select(r => (r.HandlerId, r.Kind, r.Milestone, r.Late)).OrderBy(r => r.Kind));
        var breach = Assert.Single(await HistoryAsync(c.Id), e => e.Action == "ClockBreached" && e.Details["clock"] == "FirstContact");
        Assert.Equal((due, "system"), (breach.OccurredTime.ToDateTimeOffset(), breach.Actor));
        Assert.Equal(due.AddHours(1), await host.NextActionAtAsync(c.Id, "FirstContact"));

        // Escalation keeps its pace: nothing more a minute before the interval is up.
        host.AdvanceTo(due.AddMinutes(59));
        await host.SweepAsync(hourly);
        Assert.DoesNotContain(await host.RaisedAsync(c.Id, "FirstContact"), r => r.Milestone == "escalation-2");

        host.AdvanceTo(due.AddHours(1));
        await host.SweepAsync(hourly);
        Assert.Contains(await host.RaisedAsync(c.Id, "FirstContact"), r => (r.HandlerId, r.Milestone, r.Late) == (org.CountyHead, "escalation-2", false));
        Assert.Equal(due.AddHours(2), await host.NextActionAtAsync(c.Id, "FirstContact"));

        host.AdvanceTo(due.AddHours(5));
        await host.SweepAsync(hourly);
        Assert.Contains(await host.RaisedAsync(c.Id, "FirstContact"), r => (r.HandlerId, r.Milestone) == (org.CityHead, "escalation-3"));
        Assert.Null(await host.NextActionAtAsync(c.Id, "FirstContact"));

        var history = await HistoryAsync(c.Id);
        var escalated = history.Where(e => e.Action == "Escalated" && e.Details["clock"] == "FirstContact").ToList();
        Assert.Equal(["1", "2", "3"], escalated.Select(e => e.Details["level"]));
        Assert.Equal([org.Units.Station, org.Units.County, org.Units.City], escalated.Select(e => e.Details["unit_id"]));
        Assert.Equal([due, due.AddHours(1), due.AddHours(2)], escalated.Select(e => e.OccurredTime.ToDateTimeOffset()));
        var read = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = c.Id });
        var contact = read.Deadlines.Single(d => d.Clock == ClockKind.FirstContact);
        Assert.Equal((ClockStatus.Breached, 3), (contact.Status, contact.EscalationLevel));
    }

    [Fact]
    public async Task Quiet_hours_hold_reminders_of_normal_complaints_until_they_end_but_not_of_major_ones()
    {
        var org = await host.OrganizationWithHeadsAsync();
        var night = host.AdvanceToLocal(23);
        var normal = await host.AssignedCaseAsync(org, night.AddHours(-13));
        var major = await host.AssignedCaseAsync(org, night.AddHours(-7), Level.Major); // 12 h first-contact limit for major

        await host.SweepAsync();

        var held = Assert.Single(await host.RaisedAsync(normal.Id, "FirstContact"));
        Assert.Equal("reminder-50", held.Milestone);
        Assert.Equal(night.AddHours(9), new DateTimeOffset(held.DeliverAfter)); // 08:00 the next morning
        var urgent = Assert.Single(await host.RaisedAsync(major.Id, "FirstContact"));
        Assert.Equal(urgent.CreatedAt, urgent.DeliverAfter);

        // The outbox lets the major case's reminder out at once and holds the normal one through the night...
        await host.OutboxAsync();
        Assert.Equal(["reminder-50"], await InboxAsync(org.Units.Handler, major.Id));
        Assert.Empty(await InboxAsync(org.Units.Handler, normal.Id));
        host.AdvanceTo(night.AddHours(9).AddMinutes(-1));
        await host.OutboxAsync();
        Assert.Empty(await InboxAsync(org.Units.Handler, normal.Id));
        // ...and releases it when the quiet hours end.
        host.AdvanceTo(night.AddHours(9));
        await host.OutboxAsync();
        Assert.Equal(["reminder-50"], await InboxAsync(org.Units.Handler, normal.Id));

        // In the morning the next reminder is raised for delivery at once.
        host.AdvanceTo(night.AddHours(9).AddMinutes(30)); // 08:30, past 80 % (19.2 h after receipt: 05:12)
        await host.SweepAsync();
        var morning = (await host.RaisedAsync(normal.Id, "FirstContact")).Single(r => r.Milestone == "reminder-80");
        Assert.Equal(morning.CreatedAt, morning.DeliverAfter);
        Assert.True(morning.Late, "raised more than LateAfter after it fell due at 05:12");
    }

    /// <summary>The milestones of a case's notifications delivered to a handler's inbox.</summary>
    private async Task<string[]> InboxAsync(string handlerId, string complaintId)
    {
        await using var c = await host.Database.OpenConnectionAsync();
        return [.. await c.QueryAsync<string>("""
            SELECT n.milestone FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
            WHERE d.channel = 'Inbox' AND d.delivered_at IS NOT NULL AND d.handler_id = @handlerId AND n.complaint_id = @complaintId::uuid AND n.milestone <> ''
            ORDER BY n.milestone_at
            """, new { handlerId, complaintId })];
    }

    [Fact]
    public async Task After_an_outage_one_sweep_catches_up_every_missed_milestone_marked_late_and_loses_nothing()
    {
        var org = await host.OrganizationWithHeadsAsync();
        var now = host.AdvanceToLocal(10);
        var a = await host.AssignedCaseAsync(org, now.AddHours(-30));
        var b = await host.AssignedCaseAsync(org, now.AddHours(-40));
        var c = await host.AssignedCaseAsync(org, now.AddHours(-50));

        await host.SweepAsync();

        foreach (var (complaint, escalated) in new[] { (a, false), (b, false), (c, true) })
        {
            // Due 6, 16 and 26 hours ago: only the last is past the second escalation (due + 24 h).
            var raised = await host.RaisedAsync(complaint.Id, "FirstContact");
            string[] expected = ["reminder-50", "reminder-80", "last-call", "breach", "breach", .. escalated ? new[] { "escalation-2" } : []];
            Assert.Equal(expected, Names(raised));
            Assert.All(raised, r => Assert.True(r.Late, $"{r.Milestone} should be marked late"));
            var breach = (await HistoryAsync(complaint.Id)).Single(e => e.Action == "ClockBreached" && e.Details["clock"] == "FirstContact");
            Assert.Equal(complaint.Deadlines.Single(d => d.Clock == ClockKind.FirstContact).DueTime, breach.OccurredTime);
            Assert.Equal(now, DateTimeOffset.Parse(breach.Details["noticed_at"], CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task A_clock_stopped_after_its_deadline_gets_its_breach_on_record_and_is_chased_no_more()
    {
        var org = await host.OrganizationWithHeadsAsync();
        var start = host.AdvanceToLocal(9);
        var c = await host.AssignedCaseAsync(org, start);
        c = await host.Complaints.AcceptAssignmentAsync(new AcceptAssignmentRequest { Id = c.Id, Etag = c.Etag });
        // No sweep runs until the handler records first contact an hour after the 24-hour limit.
        host.AdvanceTo(start.AddHours(25));
        await host.Complaints.RecordFirstContactAsync(new RecordFirstContactRequest { Id = c.Id, Etag = c.Etag, Note = "电话联系客户" });
        Assert.Equal(start.AddHours(25), await host.NextActionAtAsync(c.Id, "FirstContact"));

        await host.SweepAsync();

        var history = await HistoryAsync(c.Id);
        var breach = Assert.Single(history, e => e.Action == "ClockBreached" && e.Details["clock"] == "FirstContact");
        Assert.Equal(start.AddHours(24), breach.OccurredTime.ToDateTimeOffset());
        Assert.DoesNotContain(history, e => e.Action == "Escalated" && e.Details["clock"] == "FirstContact");
        Assert.Empty(await host.RaisedAsync(c.Id, "FirstContact"));
        Assert.Null(await host.NextActionAtAsync(c.Id, "FirstContact"));
    }

    [Fact]
    public async Task A_suspended_case_is_not_chased_and_resuming_schedules_its_next_milestone()
    {
        var org = await host.OrganizationWithHeadsAsync();
        var start = host.AdvanceToLocal(9);
        var c = await host.AssignedCaseAsync(org, start);
        c = await host.Complaints.AcceptAssignmentAsync(new AcceptAssignmentRequest { Id = c.Id, Etag = c.Etag });
        host.AdvanceTo(start.AddHours(2));
        c = await host.Complaints.SuspendComplaintAsync(new SuspendComplaintRequest { Id = c.Id, Etag = c.Etag, Reason = "客户出差" });
        Assert.Null(await host.NextActionAtAsync(c.Id, "FirstContact"));

        host.AdvanceTo(start.AddHours(30));
        await host.SweepAsync(NoQuietHours);
        Assert.Empty(await host.RaisedAsync(c.Id, "FirstContact"));

        await host.Complaints.ResumeComplaintAsync(new ResumeComplaintRequest { Id = c.Id, Etag = c.Etag });
        // 22 h were left; the due moved by the 28-hour pause, and so did the halfway reminder (span 52 h: at 26 h).
        Assert.Equal(start.AddHours(26), await host.NextActionAtAsync(c.Id, "FirstContact"));
    }

    [Fact]
    public async Task A_case_whose_clocks_cannot_be_acted_on_is_set_aside_and_the_rest_of_its_batch_goes_on()
    {
        var org = await host.OrganizationWithHeadsAsync();
        var now = host.AdvanceToLocal(11);
        var good = await host.AssignedCaseAsync(org, now.AddHours(-13));
        var bad = await host.AssignedCaseAsync(org, now.AddHours(-13));
        await using var connection = await host.Database.OpenConnectionAsync();
        await connection.ExecuteAsync("UPDATE case_clocks SET limit_text = 'no such limit' WHERE complaint_id = @id::uuid AND clock = 'FirstContact'", new { id = bad.Id });
        try
        {
            await host.SweepAsync();

            Assert.Equal(["reminder-50"], Names(await host.RaisedAsync(good.Id, "FirstContact")));
            Assert.Empty(await host.RaisedAsync(bad.Id, "FirstContact"));
            Assert.Equal(now + new Worker.WorkerOptions().ClockRetryAfter, await host.NextActionAtAsync(bad.Id, "FirstContact"));
        }
        finally
        {
            await connection.ExecuteAsync("UPDATE case_clocks SET limit_text = '24 hours' WHERE complaint_id = @id::uuid AND clock = 'FirstContact'", new { id = bad.Id });
        }
    }

    [Fact]
    public async Task A_backlog_of_due_clocks_is_acted_on_in_batches_with_exactly_one_notification_per_milestone_and_recipient()
    {
        const int cases = 3000;
        var org = await host.OrganizationWithHeadsAsync();
        var now = host.AdvanceToLocal(10);
        var template = await host.AssignedCaseAsync(org, now.AddHours(-26.5));
        await using (var connection = await host.Database.OpenConnectionAsync())
        {
            // Copies of the template case and its clocks: a backlog as after an outage, without 3,000 submits.
            await connection.ExecuteAsync("""
                INSERT INTO complaints
                SELECT (jsonb_populate_record(NULL::complaints, to_jsonb(t) || jsonb_build_object(
                    'id', gen_random_uuid(), 'case_number', t.case_number || '-' || n, 'request_id', t.request_id || '-' || n))).*
                FROM complaints t, generate_series(1, @cases) n WHERE t.id = @id::uuid;
                INSERT INTO case_clocks
                SELECT (jsonb_populate_record(NULL::case_clocks, to_jsonb(k) || jsonb_build_object('complaint_id', c.id))).*
                FROM case_clocks k JOIN complaints t ON t.id = k.complaint_id
                JOIN complaints c ON c.request_id LIKE t.request_id || '-%'
                WHERE t.id = @id::uuid;
                """, new { id = template.Id, cases }, commandTimeout: 300);
        }

        var watch = Stopwatch.StartNew();
        var acted = await host.SweepAsync();
        watch.Stop();
        output.WriteLine($"deadline sweep: {acted} clocks in {watch.ElapsedMilliseconds} ms ({acted / watch.Elapsed.TotalSeconds:F0} clocks/s)");

        await using var c = await host.Database.OpenConnectionAsync();
        var figures = await c.QuerySingleAsync<(long Breached, long Events, long Notifications, long Distinct, long StillDue)>("""
            WITH ours AS (SELECT id FROM complaints WHERE id = @id::uuid OR request_id LIKE (SELECT request_id FROM complaints WHERE id = @id::uuid) || '-%')
            SELECT
                (SELECT count(*) FROM case_clocks WHERE complaint_id IN (SELECT id FROM ours) AND clock = 'FirstContact' AND breached_at IS NOT NULL),
                (SELECT count(*) FROM complaint_events WHERE complaint_id IN (SELECT id FROM ours) AND action = 'ClockBreached' AND details->>'clock' = 'FirstContact'),
                (SELECT count(*) FROM notifications WHERE complaint_id IN (SELECT id FROM ours) AND clock = 'FirstContact'),
                (SELECT count(DISTINCT (complaint_id, milestone, handler_id)) FROM notifications WHERE complaint_id IN (SELECT id FROM ours) AND clock = 'FirstContact'),
                (SELECT count(*) FROM case_clocks WHERE complaint_id IN (SELECT id FROM ours) AND next_action_at <= @now)
            """, new { id = template.Id, now = now.UtcDateTime });
        // Per case: reminders at 50 %, 80 % and the last call and the breach to the handler, the breach to the station head.
        Assert.Equal((cases + 1L, cases + 1L, (cases + 1L) * 5, (cases + 1L) * 5, 0L), figures);
    }
}
