using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.IntegrationTests.TimeLimits;

namespace ComplaintGrpc.IntegrationTests.Evaluation;

/// <summary>The review clock (审核) is enforced like every other clock: the deadline sweep records its breach and
/// escalates it up the unit chain. In-process, on the sweep host's fake clock.</summary>
[Trait("Tier", "Integration")]
public sealed class ReviewClockSweepTests(SweepHost host) : IClassFixture<SweepHost>
{
    [Fact]
    public async Task A_review_left_past_its_limit_is_recorded_as_breached_and_escalated()
    {
        var org = await host.OrganizationWithHeadsAsync();
        var start = host.AdvanceToLocal(9);
        var desk = host.Complaints;
        var c = await host.AssignedCaseAsync(org, start, Level.Major);
        c = await desk.AcceptAssignmentAsync(new AcceptAssignmentRequest { Id = c.Id, Etag = c.Etag });
        c = await desk.RecordFirstContactAsync(new RecordFirstContactRequest { Id = c.Id, Etag = c.Etag });
        c = await desk.ReplyToCustomerAsync(new ReplyToCustomerRequest { Id = c.Id, Etag = c.Etag, ReplyText = "已处理" });
        c = await desk.RecordCallbackAsync(new RecordCallbackRequest { Id = c.Id, Etag = c.Etag, Satisfied = true, Score = 5 });
        c = await Findings.RecordAsync(desk, c);
        var inReview = await desk.CloseComplaintAsync(new CloseComplaintRequest { Id = c.Id, Etag = c.Etag });
        var review = inReview.Deadlines.Single(d => d.Clock == ClockKind.Review);
        var due = review.DueTime.ToDateTimeOffset();
        var started = review.StartedTime.ToDateTimeOffset();
        var noQuietHours = new MilestoneOptions { QuietHoursStart = new TimeOnly(0, 0), QuietHoursEnd = new TimeOnly(0, 0) };

        // Halfway: the reminder goes to the heads of the level above (the county), not to the station's handler.
        host.AdvanceTo(started + (due - started) / 2 + TimeSpan.FromMinutes(1));
        await host.SweepAsync(noQuietHours);
        var reminders = (await host.RaisedAsync(c.Id, "Review")).Where(r => r.Kind == "Reminder").ToList();
        Assert.Equal([(org.CountyHead, "reminder-50")], reminders.Select(r => (r.HandlerId, r.Milestone)));

        host.AdvanceTo(due.AddMinutes(1));
        await host.SweepAsync(noQuietHours);

        Assert.Equal(CaseStatus.InReview, inReview.Status);
        var history = (await desk.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = c.Id })).Events;
        var breach = Assert.Single(history, e => e.ActionKind == CaseAction.ClockBreached && e.Details["clock"] == "Review");
        Assert.Equal(due, breach.OccurredTime.ToDateTimeOffset());
        var raised = await host.RaisedAsync(c.Id, "Review");
        Assert.Contains(raised, r => r.Kind == "Escalation" && r.HandlerId == org.StationHead);
    }
}
