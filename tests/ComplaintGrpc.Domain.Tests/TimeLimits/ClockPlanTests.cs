using ComplaintGrpc.Domain.Lifecycle;
using ComplaintGrpc.Domain.TimeLimits;
using static ComplaintGrpc.Domain.Tests.TimeLimits.TestTimes;
using CaseStatus = ComplaintGrpc.Contracts.V1.CaseStatus;
using ClockKind = ComplaintGrpc.Contracts.V1.ClockKind;
using CaseAction = ComplaintGrpc.Contracts.V1.CaseAction;
using Channel = ComplaintGrpc.Contracts.V1.Channel;
using CustomerClass = ComplaintGrpc.Contracts.V1.CustomerClass;
using Level = ComplaintGrpc.Contracts.V1.Level;
using RequestKind = ComplaintGrpc.Contracts.V1.RequestKind;

namespace ComplaintGrpc.Domain.Tests.TimeLimits;

public class ClockPlanTests
{
    private static readonly WorkingDayCalendar China = WorkingDayCalendar.ChinaDefault();
    private static readonly TimeZoneInfo Beijing = DeadlineCalculator.DefaultZone;

    // A normal 95598 complaint: dispatch 2 h, first contact 24 h, reply 4 working days, callback 2 working days.
    private static readonly ClockLimits Normal =
        DeadlinePolicy.Default.LimitsFor(Channel.Phone95598, RequestKind.Complaint, Level.Normal, CustomerClass.Residential);

    private static readonly ClockLimits Major =
        DeadlinePolicy.Default.LimitsFor(Channel.Phone95598, RequestKind.Complaint, Level.Major, CustomerClass.Residential);

    // Received Mon 2026-03-02 09:00 Beijing time; the intake stored it five minutes later.
    private static readonly DateTimeOffset ReceivedAt = At("2026-03-02T09:00+08:00");

    private static CaseState State(CaseStatus status) => new() { Status = status, ReceivedAt = ReceivedAt, Level = Level.Normal };

    private static Transition Step(CaseAction action, CaseStatus from, CaseStatus to) =>
        new(State(from), State(to), action, new Dictionary<string, string>());

    private static IReadOnlyList<CaseClock> Apply(IReadOnlyList<CaseClock> clocks, Transition transition, string now, ClockLimits? limits = null) =>
        ClockPlan.Apply(clocks, transition, At(now), limits ?? Normal, China, Beijing);

    private static IReadOnlyList<CaseClock> Submitted() =>
        Apply([], Step(CaseAction.Submitted, CaseStatus.Unspecified, CaseStatus.Received), "2026-03-02T09:05+08:00");

    private static Transition ContactAt(string contactAt) => new(
        State(CaseStatus.Accepted),
        State(CaseStatus.Contacted) with { FirstContactAt = At(contactAt) },
        CaseAction.FirstContactRecorded,
        new Dictionary<string, string> { ["contact_time"] = contactAt });

    private static CaseClock Clock(IReadOnlyList<CaseClock> clocks, ClockKind kind) => clocks.Single(c => c.Kind == kind);

    [Fact]
    public void The_default_limits_used_here_are_those_of_a_normal_and_a_major_95598_complaint()
    {
        Assert.Equal(new ClockLimits(TimeLimit.ClockHours(2), TimeLimit.ClockHours(24), TimeLimit.WorkingDays(4), TimeLimit.WorkingDays(2), TimeLimit.WorkingDays(2)), Normal);
        Assert.Equal(TimeLimit.ClockMinutes(30), Major.Dispatch);
        Assert.Equal(TimeLimit.ClockHours(12), Major.FirstContact);
        Assert.Equal(TimeLimit.WorkingDays(2), Major.Reply);
    }

    [Fact]
    public void Submitted_starts_dispatch_first_contact_and_reply_at_the_receipt_not_at_now()
    {
        var clocks = Submitted();

        Assert.Equal(new[] { ClockKind.Dispatch, ClockKind.FirstContact, ClockKind.Reply }, clocks.Select(c => c.Kind));
        Assert.All(clocks, c =>
        {
            Assert.Equal(ReceivedAt, c.StartedAt);
            Assert.Equal(1, c.Round);
            Assert.True(c.IsRunning);
            Assert.Empty(c.Pauses);
        });
        Assert.Equal(At("2026-03-02T11:00+08:00"), Clock(clocks, ClockKind.Dispatch).Deadline.DueAt);
        Assert.Equal(At("2026-03-03T09:00+08:00"), Clock(clocks, ClockKind.FirstContact).Deadline.DueAt);
        Assert.Equal(EndOfDayBeijing("2026-03-06"), Clock(clocks, ClockKind.Reply).Deadline.DueAt); // Mar 3, 4, 5, 6
    }

    [Fact]
    public void DispatchedToUnit_stops_only_the_dispatch_clock()
    {
        var clocks = Apply(Submitted(), Step(CaseAction.DispatchedToUnit, CaseStatus.Received, CaseStatus.Dispatched), "2026-03-02T10:00+08:00");

        var dispatch = Clock(clocks, ClockKind.Dispatch);
        Assert.Equal(At("2026-03-02T10:00+08:00"), dispatch.StoppedAt);
        Assert.False(dispatch.IsBreachedAt(At("2026-03-02T12:00+08:00")));
        Assert.True(Clock(clocks, ClockKind.FirstContact).IsRunning);
        Assert.True(Clock(clocks, ClockKind.Reply).IsRunning);
    }

    [Fact]
    public void FirstContactRecorded_stops_first_contact_at_the_recorded_contact_time()
    {
        var clocks = Apply(Submitted(), Step(CaseAction.DispatchedToUnit, CaseStatus.Received, CaseStatus.Dispatched), "2026-03-02T10:00+08:00");
        var contact = new Transition(
            State(CaseStatus.Accepted),
            State(CaseStatus.Contacted) with { FirstContactAt = At("2026-03-03T08:30+08:00") },
            CaseAction.FirstContactRecorded,
            new Dictionary<string, string> { ["contact_time"] = "2026-03-03T08:30:00.0000000+08:00" });

        // Recorded after the 24 h limit, but the call itself was made in time.
        clocks = Apply(clocks, contact, "2026-03-03T11:00+08:00");

        var firstContact = Clock(clocks, ClockKind.FirstContact);
        Assert.Equal(At("2026-03-03T08:30+08:00"), firstContact.StoppedAt);
        Assert.False(firstContact.IsBreachedAt(At("2026-03-03T11:00+08:00")));
        Assert.Equal(TimeSpan.FromMinutes(30), firstContact.RemainingAt(At("2026-03-04T00:00+08:00")));
        Assert.True(Clock(clocks, ClockKind.Reply).IsRunning);
        Assert.Equal(At("2026-03-02T10:00+08:00"), Clock(clocks, ClockKind.Dispatch).StoppedAt);
    }

    [Fact]
    public void FirstContactRecorded_without_a_contact_time_stops_first_contact_at_now()
    {
        var clocks = Apply(Submitted(), Step(CaseAction.FirstContactRecorded, CaseStatus.Accepted, CaseStatus.Contacted), "2026-03-02T13:00+08:00");

        Assert.Equal(At("2026-03-02T13:00+08:00"), Clock(clocks, ClockKind.FirstContact).StoppedAt);
    }

    [Fact]
    public void RepliedToCustomer_stops_the_reply_clock_and_starts_the_callback_clock()
    {
        var clocks = Apply(Submitted(), Step(CaseAction.RepliedToCustomer, CaseStatus.Contacted, CaseStatus.Replied), "2026-03-04T15:00+08:00");

        Assert.Equal(At("2026-03-04T15:00+08:00"), Clock(clocks, ClockKind.Reply).StoppedAt);
        var callback = Clock(clocks, ClockKind.Callback);
        Assert.Equal(1, callback.Round);
        Assert.Equal(At("2026-03-04T15:00+08:00"), callback.StartedAt);
        Assert.Equal(EndOfDayBeijing("2026-03-06"), callback.Deadline.DueAt); // Mar 5, 6
        Assert.True(callback.IsRunning);
        Assert.Equal(new[] { ClockKind.Dispatch, ClockKind.FirstContact, ClockKind.Reply, ClockKind.Callback }, clocks.Select(c => c.Kind));
    }

    [Fact]
    public void CallbackSatisfied_stops_the_callback_clock()
    {
        var clocks = Apply(Submitted(), Step(CaseAction.RepliedToCustomer, CaseStatus.Contacted, CaseStatus.Replied), "2026-03-04T15:00+08:00");

        clocks = Apply(clocks, Step(CaseAction.CallbackSatisfied, CaseStatus.Replied, CaseStatus.CalledBack), "2026-03-05T10:00+08:00");

        Assert.Equal(At("2026-03-05T10:00+08:00"), Clock(clocks, ClockKind.Callback).StoppedAt);
        Assert.Equal(1, Clock(clocks, ClockKind.Reply).Round);
    }

    [Fact]
    public void CallbackDissatisfied_stops_the_callback_and_restarts_the_reply_clock_in_round_two_from_now()
    {
        var clocks = Apply(Submitted(), Step(CaseAction.RepliedToCustomer, CaseStatus.Contacted, CaseStatus.Replied), "2026-03-04T15:00+08:00");

        clocks = Apply(clocks, Step(CaseAction.CallbackDissatisfied, CaseStatus.Replied, CaseStatus.Contacted), "2026-03-05T10:00+08:00");

        Assert.Equal(At("2026-03-05T10:00+08:00"), Clock(clocks, ClockKind.Callback).StoppedAt);
        var reply = Clock(clocks, ClockKind.Reply);
        Assert.Equal(2, reply.Round);
        Assert.Equal(At("2026-03-05T10:00+08:00"), reply.StartedAt);
        Assert.True(reply.IsRunning);
        Assert.Null(reply.StoppedAt);
        Assert.Equal(EndOfDayBeijing("2026-03-11"), reply.Deadline.DueAt); // Mar 6, 9, 10, 11
    }

    [Fact]
    public void Reopened_restarts_the_reply_clock_in_a_new_round()
    {
        var clocks = Apply(Submitted(), Step(CaseAction.RepliedToCustomer, CaseStatus.Contacted, CaseStatus.Replied), "2026-03-04T15:00+08:00");
        clocks = Apply(clocks, Step(CaseAction.CallbackSatisfied, CaseStatus.Replied, CaseStatus.CalledBack), "2026-03-05T10:00+08:00");
        clocks = Apply(clocks, Step(CaseAction.Closed, CaseStatus.CalledBack, CaseStatus.Closed), "2026-03-05T16:00+08:00");

        clocks = Apply(clocks, Step(CaseAction.Reopened, CaseStatus.Closed, CaseStatus.Contacted), "2026-03-09T09:30+08:00");

        var reply = Clock(clocks, ClockKind.Reply);
        Assert.Equal(2, reply.Round);
        Assert.Equal(At("2026-03-09T09:30+08:00"), reply.StartedAt);
        Assert.True(reply.IsRunning);
        Assert.Equal(EndOfDayBeijing("2026-03-13"), reply.Deadline.DueAt); // Mar 10, 11, 12, 13
        Assert.False(Clock(clocks, ClockKind.Callback).IsRunning);
    }

    [Fact]
    public void Suspended_pauses_every_running_clock_but_leaves_stopped_ones_alone()
    {
        var clocks = Apply(Submitted(), Step(CaseAction.DispatchedToUnit, CaseStatus.Received, CaseStatus.Dispatched), "2026-03-02T10:00+08:00");
        var dispatchBefore = Clock(clocks, ClockKind.Dispatch);

        clocks = Apply(clocks, Step(CaseAction.Suspended, CaseStatus.Dispatched, CaseStatus.Suspended), "2026-03-02T15:00+08:00");

        Assert.Same(dispatchBefore, Clock(clocks, ClockKind.Dispatch));
        Assert.Null(Clock(clocks, ClockKind.Dispatch).SuspendedAt);
        Assert.Equal(At("2026-03-02T15:00+08:00"), Clock(clocks, ClockKind.FirstContact).SuspendedAt);
        Assert.Equal(At("2026-03-02T15:00+08:00"), Clock(clocks, ClockKind.Reply).SuspendedAt);
        Assert.DoesNotContain(clocks, c => c.IsRunning);
        Assert.False(Clock(clocks, ClockKind.FirstContact).IsBreachedAt(At("2026-03-10T00:00+08:00")));
    }

    [Fact]
    public void Resumed_resumes_the_suspended_clocks_and_records_the_pause()
    {
        var clocks = Apply(Submitted(), Step(CaseAction.DispatchedToUnit, CaseStatus.Received, CaseStatus.Dispatched), "2026-03-02T10:00+08:00");
        clocks = Apply(clocks, Step(CaseAction.Suspended, CaseStatus.Dispatched, CaseStatus.Suspended), "2026-03-02T15:00+08:00");

        clocks = Apply(clocks, Step(CaseAction.Resumed, CaseStatus.Suspended, CaseStatus.Dispatched), "2026-03-04T11:00+08:00");

        var pause = new ClockPause(At("2026-03-02T15:00+08:00"), At("2026-03-04T11:00+08:00"));
        var firstContact = Clock(clocks, ClockKind.FirstContact);
        var reply = Clock(clocks, ClockKind.Reply);
        Assert.True(firstContact.IsRunning);
        Assert.True(reply.IsRunning);
        Assert.Equal(new[] { pause }, firstContact.Pauses);
        Assert.Equal(new[] { pause }, reply.Pauses);
        // 18 h were left of the 24 h first contact: due 18 h after the resume.
        Assert.Equal(At("2026-03-05T05:00+08:00"), firstContact.Deadline.DueAt);
        // Suspended Mon Mar 2 with Mar 3, 4, 5, 6 left; resumed Wed Mar 4 → Mar 5, 6, 9, 10.
        Assert.Equal(EndOfDayBeijing("2026-03-10"), reply.Deadline.DueAt);
        Assert.Empty(Clock(clocks, ClockKind.Dispatch).Pauses);
    }

    [Fact]
    public void Suspension_while_awaiting_the_callback_pauses_only_the_callback_clock()
    {
        var clocks = Apply(Submitted(), Step(CaseAction.DispatchedToUnit, CaseStatus.Received, CaseStatus.Dispatched), "2026-03-02T10:00+08:00");
        clocks = Apply(clocks, ContactAt("2026-03-02T16:00+08:00"), "2026-03-02T16:05+08:00");
        clocks = Apply(clocks, Step(CaseAction.RepliedToCustomer, CaseStatus.Contacted, CaseStatus.Replied), "2026-03-04T15:00+08:00");

        clocks = Apply(clocks, Step(CaseAction.Suspended, CaseStatus.Replied, CaseStatus.Suspended), "2026-03-05T09:00+08:00");

        Assert.Equal(At("2026-03-05T09:00+08:00"), Clock(clocks, ClockKind.Callback).SuspendedAt);
        Assert.Equal(new[] { ClockKind.Callback }, clocks.Where(c => c.SuspendedAt is not null).Select(c => c.Kind));
        Assert.DoesNotContain(clocks, c => c.IsRunning);
    }

    [Fact]
    public void Closed_stops_every_clock_and_keeps_earlier_stops()
    {
        var clocks = Apply(Submitted(), Step(CaseAction.DispatchedToUnit, CaseStatus.Received, CaseStatus.Dispatched), "2026-03-02T10:00+08:00");
        clocks = Apply(clocks, Step(CaseAction.RepliedToCustomer, CaseStatus.Contacted, CaseStatus.Replied), "2026-03-04T15:00+08:00");

        clocks = Apply(clocks, Step(CaseAction.Closed, CaseStatus.CalledBack, CaseStatus.Closed), "2026-03-05T16:00+08:00");

        Assert.DoesNotContain(clocks, c => c.IsRunning);
        Assert.Equal(At("2026-03-02T10:00+08:00"), Clock(clocks, ClockKind.Dispatch).StoppedAt);
        Assert.Equal(At("2026-03-05T16:00+08:00"), Clock(clocks, ClockKind.FirstContact).StoppedAt);
        Assert.Equal(At("2026-03-04T15:00+08:00"), Clock(clocks, ClockKind.Reply).StoppedAt);
        Assert.Equal(At("2026-03-05T16:00+08:00"), Clock(clocks, ClockKind.Callback).StoppedAt);
    }

    [Fact]
    public void Regraded_to_major_shortens_reply_and_first_contact_and_keeps_the_start()
    {
        var clocks = Apply(Submitted(), Step(CaseAction.DispatchedToUnit, CaseStatus.Received, CaseStatus.Dispatched), "2026-03-02T10:00+08:00");
        var regrade = new Transition(
            State(CaseStatus.Dispatched),
            State(CaseStatus.Dispatched) with { Level = Level.Major },
            CaseAction.Regraded,
            new Dictionary<string, string> { ["level"] = "Major", ["previous_level"] = "Normal" });

        clocks = Apply(clocks, regrade, "2026-03-02T13:00+08:00", Major);

        var firstContact = Clock(clocks, ClockKind.FirstContact);
        var reply = Clock(clocks, ClockKind.Reply);
        Assert.Equal(ReceivedAt, firstContact.StartedAt);
        Assert.Equal(ReceivedAt, reply.StartedAt);
        Assert.Equal(TimeLimit.ClockHours(12), firstContact.Limit);
        Assert.Equal(At("2026-03-02T21:00+08:00"), firstContact.Deadline.DueAt);
        Assert.Equal(TimeLimit.WorkingDays(2), reply.Limit);
        Assert.Equal(EndOfDayBeijing("2026-03-04"), reply.Deadline.DueAt); // Mar 3, 4
        Assert.Equal(1, reply.Round);
        Assert.True(reply.IsRunning);

        // The dispatch clock had stopped on time under the old grade: it keeps that deadline, so the re-grade does not
        // turn it into a breach after the fact (under Major's 30 minutes it would have been late).
        var dispatch = Clock(clocks, ClockKind.Dispatch);
        Assert.Equal(At("2026-03-02T10:00+08:00"), dispatch.StoppedAt);
        Assert.Equal(TimeLimit.ClockHours(2), dispatch.Limit);
        Assert.False(dispatch.IsBreachedAt(At("2026-03-02T13:00+08:00")));
    }

    [Fact]
    public void Regraded_while_suspended_replays_the_pauses_and_stays_suspended()
    {
        var clocks = Apply(Submitted(), Step(CaseAction.DispatchedToUnit, CaseStatus.Received, CaseStatus.Dispatched), "2026-03-02T10:00+08:00");
        clocks = Apply(clocks, Step(CaseAction.Suspended, CaseStatus.Dispatched, CaseStatus.Suspended), "2026-03-02T15:00+08:00");
        clocks = Apply(clocks, Step(CaseAction.Resumed, CaseStatus.Suspended, CaseStatus.Dispatched), "2026-03-02T17:00+08:00");
        clocks = Apply(clocks, Step(CaseAction.Suspended, CaseStatus.Dispatched, CaseStatus.Suspended), "2026-03-02T18:00+08:00");

        clocks = Apply(clocks, Step(CaseAction.Regraded, CaseStatus.Suspended, CaseStatus.Suspended), "2026-03-03T09:00+08:00", Major);

        var firstContact = Clock(clocks, ClockKind.FirstContact);
        // 12 h from 09:00 plus the 2 h pause: due 23:00; suspended again at 18:00 with 5 h left.
        Assert.Equal(At("2026-03-02T23:00+08:00"), firstContact.Deadline.DueAt);
        Assert.Equal(At("2026-03-02T18:00+08:00"), firstContact.SuspendedAt);
        Assert.Equal(TimeSpan.FromHours(5), firstContact.RemainingAt(At("2026-03-03T09:00+08:00")));
        Assert.False(firstContact.IsBreachedAt(At("2026-03-03T09:00+08:00")));
    }

    [Theory]
    [InlineData(CaseAction.HandlerAssigned)]
    [InlineData(CaseAction.AssignmentAccepted)]
    [InlineData(CaseAction.AssignmentReturned)]
    [InlineData(CaseAction.ClockBreached)]
    [InlineData(CaseAction.Escalated)]
    public void Other_actions_change_no_clock(CaseAction action)
    {
        var clocks = Apply(Submitted(), Step(CaseAction.DispatchedToUnit, CaseStatus.Received, CaseStatus.Dispatched), "2026-03-02T10:00+08:00");

        var after = Apply(clocks, Step(action, CaseStatus.Dispatched, CaseStatus.Assigned), "2026-03-02T11:00+08:00");

        Assert.Equal(clocks.Count, after.Count);
        Assert.All(clocks.Zip(after), pair => Assert.Same(pair.First, pair.Second));
    }

    [Fact]
    public void Every_action_has_a_clock_plan_and_an_unnamed_one_is_refused()
    {
        var clocks = Submitted();
        foreach (var action in Enum.GetValues<CaseAction>().Where(a => a != CaseAction.Unspecified))
        {
            var after = Apply(clocks, Step(action, CaseStatus.Contacted, CaseStatus.Contacted), "2026-03-02T11:00+08:00");
            Assert.Equal(ClockKinds.All.Where(k => k.StartEvent() == ClockStartEvent.Received).Count() + (action is CaseAction.RepliedToCustomer or CaseAction.ClosureSubmitted or CaseAction.ClosureApproved ? 1 : 0),
                after.Count);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => Apply(clocks, Step(CaseAction.Unspecified, CaseStatus.Contacted, CaseStatus.Contacted), "2026-03-02T11:00+08:00"));
    }

    [Fact]
    public void Every_clock_kind_is_listed_named_and_limited()
    {
        Assert.Equal(Enum.GetValues<ClockKind>().Where(k => k != ClockKind.Unspecified), ClockKinds.All);
        foreach (var kind in ClockKinds.All)
        {
            Assert.NotEmpty(kind.ChineseName());
            Assert.True(Normal[kind].Amount > 0, $"{kind} has no limit");
        }
    }

    [Fact]
    public void First_contact_recorded_after_a_suspension_is_judged_against_the_moved_deadline()
    {
        // First contact: 24 h from Mar 2 09:00. Suspended at 20:00 with 13 h left, resumed Mar 3 08:00 → due 21:00.
        var clocks = Apply(Submitted(), Step(CaseAction.DispatchedToUnit, CaseStatus.Received, CaseStatus.Dispatched), "2026-03-02T10:00+08:00");
        clocks = Apply(clocks, Step(CaseAction.Suspended, CaseStatus.Dispatched, CaseStatus.Suspended), "2026-03-02T20:00+08:00");
        clocks = Apply(clocks, Step(CaseAction.Resumed, CaseStatus.Suspended, CaseStatus.Dispatched), "2026-03-03T08:00+08:00");

        clocks = Apply(clocks, ContactAt("2026-03-03T20:00+08:00"), "2026-03-03T20:10+08:00");

        var firstContact = Clock(clocks, ClockKind.FirstContact);
        Assert.Equal(At("2026-03-03T21:00+08:00"), firstContact.Deadline.DueAt);
        Assert.Equal(At("2026-03-03T20:00+08:00"), firstContact.StoppedAt);
        Assert.False(firstContact.IsBreachedAt(At("2026-03-04T12:00+08:00")));
        Assert.Equal(TimeSpan.FromHours(1), firstContact.RemainingAt(At("2026-03-04T12:00+08:00")));
    }
}
