using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Dapper;
using Google.Protobuf.WellKnownTypes;

namespace ComplaintGrpc.IntegrationTests.TimeLimits;

/// <summary>
/// Smoke tests of the worker process enforcing time limits against the real clock: what only real processes show
/// (two workers racing; a worker killed and restarted). The timing rules themselves are tested in-process on a fake
/// clock (<see cref="DeadlineSweepTests"/>). Cases are received hours in the past, so their milestones are already due.
/// </summary>
public sealed class EnforcementTests(ServerHost host) : IClassFixture<ServerHost>
{
    private sealed record Org(Sample.Org Units, string StationHead);

    private async Task<Org> OrganizationAsync()
    {
        var units = await Sample.OrganizationAsync(host.Organization);
        var head = Sample.Id("head");
        await host.Organization.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = head, UnitId = units.Station, Name = "主管", Role = HandlerRole.Supervisor } });
        return new Org(units, head);
    }

    /// <summary>A case received <paramref name="ago"/> before now, dispatched to the station and assigned to its handler.</summary>
    private async Task<Complaint> AssignedCaseAsync(Org org, TimeSpan ago)
    {
        var request = Sample.Complaint();
        request.ReceivedTime = new Timestamp { Seconds = DateTimeOffset.UtcNow.Subtract(ago).ToUnixTimeSeconds() };
        var c = await host.Complaints.SubmitComplaintAsync(request);
        c = await host.Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = org.Units.Station });
        return await host.Complaints.AssignHandlerAsync(new AssignHandlerRequest { Id = c.Id, Etag = c.Etag, HandlerId = org.Units.Handler });
    }

    private sealed record Raised(string HandlerId, string Kind, string Milestone, bool Late);

    private async Task<List<Raised>> RaisedAsync(string complaintId)
    {
        await using var c = await host.Database.OpenConnectionAsync();
        return [.. await c.QueryAsync<Raised>("""
            SELECT handler_id, kind, milestone, late FROM notifications
            WHERE complaint_id = @id::uuid AND clock = 'FirstContact' ORDER BY milestone_at, handler_id
            """, new { id = complaintId })];
    }

    /// <summary>Waits until no clock of these cases is due any more: the worker has acted on every one that was.</summary>
    private async Task SettledAsync(WorkerProcess worker, params string[] complaintIds) =>
        await Poll.UntilAsync(async () =>
        {
            await using var c = await host.Database.OpenConnectionAsync();
            return await c.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM case_clocks WHERE complaint_id = ANY(@ids::uuid[]) AND next_action_at <= now()",
                new { ids = complaintIds });
        }, n => n == 0, TimeSpan.FromSeconds(60), "the worker to act on every due clock; worker output:\n" + worker.Output);

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
            var raised = await RaisedAsync(c.Id);
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
    public async Task A_worker_killed_and_restarted_catches_up_on_what_fell_due_while_it_was_down_marked_late()
    {
        var org = await OrganizationAsync();
        var before = await AssignedCaseAsync(org, TimeSpan.FromHours(13));
        await using (var worker = WorkerProcess.Start(host.ConnectionString))
            await SettledAsync(worker, before.Id);
        Assert.Equal(["reminder-50"], (await RaisedAsync(before.Id)).Select(r => r.Milestone));

        // Killed (disposing is a hard kill); while it is down a deadline passes.
        var missed = await AssignedCaseAsync(org, TimeSpan.FromHours(30));
        await using var restarted = WorkerProcess.Start(host.ConnectionString);
        await SettledAsync(restarted, missed.Id);

        var raised = await RaisedAsync(missed.Id);
        Assert.Equal(["reminder-50", "reminder-80", "last-call", "breach", "breach"], raised.Select(r => r.Milestone));
        Assert.All(raised, r => Assert.True(r.Late, $"{r.Milestone} should be marked late"));
        var history = await host.Complaints.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = missed.Id });
        var breach = history.Events.Single(e => e.Action == "ClockBreached" && e.Details["clock"] == "FirstContact");
        Assert.Equal(missed.Deadlines.Single(d => d.Clock == ClockKind.FirstContact).DueTime, breach.OccurredTime);

        // What was raised reaches the handler's inbox.
        await Poll.UntilAsync(
            () => host.Notifications.ListNotificationsAsync(new ListNotificationsRequest { HandlerId = org.Units.Handler, PageSize = 200 }).ResponseAsync,
            r => r.Notifications.Count(n => n.ComplaintId == missed.Id && n.Clock == "FirstContact") == 4,
            TimeSpan.FromSeconds(60), "the missed reminders and breach to be delivered; worker output:\n" + restarted.Output);
    }
}
