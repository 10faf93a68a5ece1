using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.TimeLimits;

namespace ComplaintGrpc.IntegrationTests.Rectification;

/// <summary>A rectification's own clock, enforced by the worker's sweep like every other time limit: reminders to the
/// owner unit's supervisors, the breach, escalation up the chain, each raised once however often the sweep runs.</summary>
[Trait("Tier", "Integration")]
public sealed class RectificationClockTests(SweepHost host) : IClassFixture<SweepHost>
{
    [Fact]
    public async Task Reminders_breach_and_escalation_are_each_raised_once_to_the_owner_chain()
    {
        var org = await host.OrganizationWithHeadsAsync();
        host.AdvanceToLocal(9);
        var opened = await Rectifying.Client(host).OpenRectificationAsync(Rectifying.FromHotspot(host, org.Units.Station, org.Units.County, "10kV东山线"));
        var start = opened.OpenedTime.ToDateTimeOffset();
        var due = opened.DueTime.ToDateTimeOffset();
        var sweep = Rectifying.Sweep(host);
        async Task SweepTwiceAsync()
        {
            await sweep.SweepAsync(CancellationToken.None);
            await sweep.SweepAsync(CancellationToken.None);
        }

        await SweepTwiceAsync();
        Assert.Empty(await Rectifying.RaisedAsync(host, opened.Id));

        host.AdvanceTo(start + (due - start) / 2 + TimeSpan.FromMinutes(1));
        await SweepTwiceAsync();
        Assert.Equal([new(org.StationHead, "RectificationReminder", "reminder-50", null)], await Rectifying.RaisedAsync(host, opened.Id));

        host.AdvanceTo(due - TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
        await SweepTwiceAsync();
        host.AdvanceTo(due + TimeSpan.FromMinutes(1));
        await SweepTwiceAsync();
        var breached = await Rectifying.GetAsync(host, opened.Id);
        Assert.Equal((true, due, 1), (breached.Overdue, breached.BreachedTime.ToDateTimeOffset(), breached.EscalationLevel));

        host.AdvanceTo(due + TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        await SweepTwiceAsync();
        host.AdvanceTo(due + TimeSpan.FromHours(48) + TimeSpan.FromMinutes(1));
        await SweepTwiceAsync();
        host.AdvanceTo(due + TimeSpan.FromDays(5));
        await SweepTwiceAsync();

        Assert.Equal(
        [
            new(org.StationHead, "RectificationReminder", "reminder-50", null),
            new(org.StationHead, "RectificationReminder", "reminder-80", null),
            new(org.StationHead, "RectificationReminder", "last-call", null),
            new(org.StationHead, "RectificationEscalation", "breach", null),
            new(org.CountyHead, "RectificationEscalation", "escalation-2", null),
            new(org.CityHead, "RectificationEscalation", "escalation-3", null),
        ], await Rectifying.RaisedAsync(host, opened.Id));
        Assert.Equal(3, (await Rectifying.GetAsync(host, opened.Id)).EscalationLevel);

        // Delivered to the inbox like any notification, naming the rectification and no case.
        await host.OutboxAsync();
        var inbox = await new NotificationService.NotificationServiceClient(host.Desk).ListNotificationsAsync(new ListNotificationsRequest { HandlerId = org.CityHead });
        var escalation = Assert.Single(inbox.Notifications);
        Assert.Equal((NotificationKind.RectificationEscalation, opened.Id, "", "escalation-3"),
            (escalation.Kind, escalation.RectificationId, escalation.ComplaintId, escalation.Milestone));
    }

    [Fact]
    public async Task A_rectification_completed_in_time_is_chased_no_more()
    {
        var org = await host.OrganizationWithHeadsAsync();
        host.AdvanceToLocal(9);
        var client = Rectifying.Client(host);
        var opened = await client.OpenRectificationAsync(Rectifying.FromHotspot(host, org.Units.Station, org.Units.County, "10kV东山线"));
        var due = opened.DueTime.ToDateTimeOffset();
        await client.CompleteRectificationAsync(new CompleteRectificationRequest { Id = opened.Id, Etag = opened.Etag, Note = "提前完成" });

        host.AdvanceTo(due + TimeSpan.FromDays(3));
        await Rectifying.Sweep(host).SweepAsync(CancellationToken.None);

        Assert.Empty(await Rectifying.RaisedAsync(host, opened.Id));
        var done = await Rectifying.GetAsync(host, opened.Id);
        Assert.Equal((false, null, 0), (done.Overdue, done.BreachedTime, done.EscalationLevel));
    }

    [Fact]
    public async Task A_new_due_date_starts_a_new_round_whose_breach_is_raised_again()
    {
        var org = await host.OrganizationWithHeadsAsync();
        host.AdvanceToLocal(9);
        var client = Rectifying.Client(host);
        var opened = await client.OpenRectificationAsync(Rectifying.FromHotspot(host, org.Units.Station, org.Units.County, "10kV东山线"));
        var sweep = Rectifying.Sweep(host);
        host.AdvanceTo(opened.DueTime.ToDateTimeOffset().AddMinutes(1));
        await sweep.SweepAsync(CancellationToken.None);
        var breached = await Rectifying.GetAsync(host, opened.Id);
        Assert.Equal((1, opened.DueTime), (breached.EscalationLevel, breached.BreachedTime));

        var moved = await client.UpdateRectificationAsync(new UpdateRectificationRequest { Id = opened.Id, Etag = breached.Etag, DueDate = Rectifying.DueDate(host, 5) });
        Assert.Equal((false, null, 0), (moved.Overdue, moved.BreachedTime, moved.EscalationLevel));
        var before = (await Rectifying.RaisedAsync(host, opened.Id)).Count;
        await sweep.SweepAsync(CancellationToken.None);
        Assert.Equal(before, (await Rectifying.RaisedAsync(host, opened.Id)).Count); // reminders of the past are not sent again

        host.AdvanceTo(moved.DueTime.ToDateTimeOffset().AddMinutes(1));
        await sweep.SweepAsync(CancellationToken.None);
        await sweep.SweepAsync(CancellationToken.None);
        Assert.Equal(2, (await Rectifying.RaisedAsync(host, opened.Id)).Count(r => r.Milestone == "breach"));
        Assert.Equal(moved.DueTime, (await Rectifying.GetAsync(host, opened.Id)).BreachedTime);
    }
}
