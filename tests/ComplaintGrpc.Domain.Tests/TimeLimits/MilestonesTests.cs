using ComplaintGrpc.Domain.TimeLimits;
using static ComplaintGrpc.Domain.Tests.TimeLimits.TestTimes;
using ClockKind = ComplaintGrpc.Contracts.V1.ClockKind;
using Level = ComplaintGrpc.Contracts.V1.Level;

namespace ComplaintGrpc.Domain.Tests.TimeLimits;

public class MilestonesTests
{
    private static readonly WorkingDayCalendar China = WorkingDayCalendar.ChinaDefault();
    private static readonly TimeZoneInfo Beijing = DeadlineCalculator.DefaultZone;
    private static readonly MilestoneOptions Defaults = new();

    private static CaseClock Start(string at, string limit) =>
        CaseClock.Start(ClockKind.FirstContact, 1, At(at), TimeLimit.Parse(limit), China, Beijing);

    // A 24 h first-contact clock from Mon 2026-03-02 00:00 Beijing time: due Tue 00:00.
    private static readonly CaseClock Day = Start("2026-03-02T00:00+08:00", "24 hours");

    private static string Names(IEnumerable<Milestone> milestones) => string.Join(", ", milestones.Select(m => m.Name));

    [Fact]
    public void Default_milestones_of_a_24_hour_clock()
    {
        var milestones = Milestones.Of(Day, Defaults);

        Assert.Equal(
            new[]
            {
                new Milestone("reminder-50", MilestoneKind.Reminder, At("2026-03-02T12:00+08:00"), 0),
                new Milestone("reminder-80", MilestoneKind.Reminder, At("2026-03-02T19:12+08:00"), 0),
                new Milestone("last-call", MilestoneKind.Reminder, At("2026-03-02T22:00+08:00"), 0),
                new Milestone("breach", MilestoneKind.Breach, At("2026-03-03T00:00+08:00"), 1),
                new Milestone("escalation-2", MilestoneKind.Escalation, At("2026-03-04T00:00+08:00"), 2),
                new Milestone("escalation-3", MilestoneKind.Escalation, At("2026-03-05T00:00+08:00"), 3),
            },
            milestones);
    }

    [Fact]
    public void A_30_minute_clock_has_no_last_call()
    {
        var clock = Start("2026-03-02T09:00+08:00", "30 minutes");

        var milestones = Milestones.Of(clock, Defaults);

        Assert.Equal("reminder-50, reminder-80, breach, escalation-2, escalation-3", Names(milestones));
        Assert.Equal(At("2026-03-02T09:15+08:00"), milestones[0].At);
        Assert.Equal(At("2026-03-02T09:24+08:00"), milestones[1].At);
        Assert.Equal(At("2026-03-02T09:30+08:00"), milestones[2].At);
    }

    [Theory]
    [InlineData("2 hours")] // the last call would fall on the start itself
    [InlineData("3 hours")] // the last call (1 h in) would come before the 80% reminder (2 h 24 min in)
    public void Last_call_is_skipped_when_not_after_the_start_and_the_percent_reminders(string limit)
    {
        var milestones = Milestones.Of(Start("2026-03-02T09:00+08:00", limit), Defaults);

        Assert.DoesNotContain(milestones, m => m.Name == "last-call");
    }

    [Fact]
    public void Without_percent_reminders_a_last_call_before_the_start_is_still_skipped()
    {
        // 0 and 100 are not reminders, so nothing precedes the last call; for a 1 h clock it would be 1 h before the start.
        var options = new MilestoneOptions { ReminderPercents = [0, 100] };

        Assert.Equal("breach, escalation-2, escalation-3", Names(Milestones.Of(Start("2026-03-02T09:00+08:00", "1 hour"), options)));
        Assert.Equal("last-call, breach, escalation-2, escalation-3", Names(Milestones.Of(Start("2026-03-02T09:00+08:00", "3 hours"), options)));
    }

    [Fact]
    public void Last_call_is_kept_when_it_falls_after_the_last_percent_reminder()
    {
        // 12 h: 80% at 9 h 36 min, last call at 10 h.
        var milestones = Milestones.Of(Start("2026-03-02T08:00+08:00", "12 hours"), Defaults);

        Assert.Equal("reminder-50, reminder-80, last-call, breach, escalation-2, escalation-3", Names(milestones));
        Assert.Equal(At("2026-03-02T18:00+08:00"), milestones.Single(m => m.Name == "last-call").At);
    }

    [Fact]
    public void Custom_percents_are_ordered_deduplicated_and_limited_to_between_0_and_100()
    {
        var options = new MilestoneOptions { ReminderPercents = [75, 25, 90, 25, 0, 100] };

        var milestones = Milestones.Of(Day, options);

        Assert.Equal("reminder-25, reminder-75, reminder-90, last-call, breach, escalation-2, escalation-3", Names(milestones));
        Assert.Equal(At("2026-03-02T06:00+08:00"), milestones[0].At);
        Assert.Equal(At("2026-03-02T18:00+08:00"), milestones[1].At);
        Assert.Equal(At("2026-03-02T21:36+08:00"), milestones[2].At);
    }

    [Fact]
    public void An_empty_percent_list_falls_back_to_50_and_80()
    {
        var options = new MilestoneOptions { ReminderPercents = [] };

        Assert.Equal(new[] { 50, 80 }, options.Percents);
        Assert.Equal(Names(Milestones.Of(Day, Defaults)), Names(Milestones.Of(Day, options)));
    }

    [Fact]
    public void A_custom_last_call_and_escalation_interval_and_level_count()
    {
        var options = new MilestoneOptions
        {
            LastCallBefore = TimeSpan.FromHours(1),
            EscalationInterval = TimeSpan.FromHours(4),
            EscalationLevels = 4,
        };

        var milestones = Milestones.Of(Day, options);

        Assert.Equal(At("2026-03-02T23:00+08:00"), milestones.Single(m => m.Name == "last-call").At);
        Assert.Equal(
            new[] { At("2026-03-03T04:00+08:00"), At("2026-03-03T08:00+08:00"), At("2026-03-03T12:00+08:00") },
            milestones.Where(m => m.Kind == MilestoneKind.Escalation).Select(m => m.At));
        Assert.Equal(new[] { 2, 3, 4 }, milestones.Where(m => m.Kind == MilestoneKind.Escalation).Select(m => m.EscalationLevel));
    }

    [Fact]
    public void One_escalation_level_and_no_last_call_leave_only_the_reminders_and_the_breach()
    {
        var options = new MilestoneOptions { EscalationLevels = 1, LastCallBefore = TimeSpan.Zero };

        Assert.Equal("reminder-50, reminder-80, breach", Names(Milestones.Of(Day, options)));
    }

    [Fact]
    public void Percent_reminders_of_a_working_day_clock_span_start_to_due()
    {
        // Mon Mar 2 09:00, 4 working days: due Sat Mar 7 00:00, 111 h after the start.
        var clock = CaseClock.Start(ClockKind.Reply, 1, At("2026-03-02T09:00+08:00"), TimeLimit.WorkingDays(4), China, Beijing);

        var milestones = Milestones.Of(clock, Defaults);

        Assert.Equal(At("2026-03-04T16:30+08:00"), milestones.Single(m => m.Name == "reminder-50").At); // + 55 h 30 min
        Assert.Equal(At("2026-03-06T22:00+08:00"), milestones.Single(m => m.Name == "last-call").At);
    }

    [Fact]
    public void Percent_reminders_of_a_resumed_clock_are_measured_up_to_the_moved_due()
    {
        // Suspended at 06:00 for 6 h: due moves from Tue 00:00 to Tue 06:00; the span is 30 h.
        var resumed = Day.Suspend(At("2026-03-02T06:00+08:00")).Resume(At("2026-03-02T12:00+08:00"), China, Beijing);

        var milestones = Milestones.Of(resumed, Defaults);

        Assert.Equal(At("2026-03-02T15:00+08:00"), milestones.Single(m => m.Name == "reminder-50").At);
        Assert.Equal(At("2026-03-03T06:00+08:00"), milestones.Single(m => m.Name == "breach").At);
    }

    private static readonly EnforcementRecord Nothing = EnforcementRecord.None;

    [Fact]
    public void A_new_clock_is_next_looked_at_on_its_first_milestone_not_when_it_is_written()
    {
        Assert.Equal(At("2026-03-02T12:00+08:00"), Milestones.NextActionAt(Day, Nothing, At("2026-03-02T00:00+08:00"), Defaults));
        Assert.Empty(Milestones.Pending(Day, Nothing, At("2026-03-02T08:00+08:00"), Defaults));
    }

    [Fact]
    public void A_back_dated_clock_whose_milestones_passed_is_due_at_once_with_every_missed_milestone_pending()
    {
        var now = At("2026-03-04T01:00+08:00");

        Assert.Equal(At("2026-03-02T12:00+08:00"), Milestones.NextActionAt(Day, Nothing, now, Defaults));
        var pending = Milestones.Pending(Day, Nothing, now, Defaults);
        Assert.Equal("reminder-50, reminder-80, last-call, breach, escalation-2", Names(pending));
        Assert.Equal(1, pending.Single(m => m.Kind == MilestoneKind.Breach).EscalationLevel);
    }

    [Fact]
    public void A_milestone_falling_due_exactly_now_is_pending()
    {
        Assert.Equal("reminder-50", Names(Milestones.Pending(Day, Nothing, At("2026-03-02T12:00+08:00"), Defaults)));
    }

    [Fact]
    public void Reminders_on_record_by_the_watermark_are_not_pending_again_and_the_next_look_is_the_following_one()
    {
        var acted = new EnforcementRecord(At("2026-03-02T12:00:05+08:00"), null, 0);

        Assert.Empty(Milestones.Pending(Day, acted, At("2026-03-02T15:00+08:00"), Defaults));
        Assert.Equal(At("2026-03-02T19:12+08:00"), Milestones.NextActionAt(Day, acted, At("2026-03-02T15:00+08:00"), Defaults));
        Assert.Equal("reminder-80", Names(Milestones.Pending(Day, acted, At("2026-03-02T20:00+08:00"), Defaults)));
    }

    [Fact]
    public void Breach_and_escalations_are_on_record_by_the_escalation_level_reached()
    {
        var breached = new EnforcementRecord(At("2026-03-03T00:00:10+08:00"), At("2026-03-03T00:00+08:00"), 1);

        Assert.Equal(At("2026-03-04T00:00+08:00"), Milestones.NextActionAt(Day, breached, At("2026-03-03T00:00:10+08:00"), Defaults));
        Assert.Equal("escalation-2", Names(Milestones.Pending(Day, breached, At("2026-03-04T01:00+08:00"), Defaults)));
    }

    [Fact]
    public void After_the_last_escalation_nothing_is_pending_and_there_is_no_next_look()
    {
        var done = new EnforcementRecord(At("2026-03-05T00:00+08:00"), At("2026-03-03T00:00+08:00"), 3);

        Assert.Empty(Milestones.Pending(Day, done, At("2026-03-09T00:00+08:00"), Defaults));
        Assert.Null(Milestones.NextActionAt(Day, done, At("2026-03-09T00:00+08:00"), Defaults));
    }

    [Fact]
    public void A_clock_stopped_on_time_needs_nothing_more()
    {
        var stopped = Day.Stop(At("2026-03-02T18:00+08:00"));

        Assert.Empty(Milestones.Pending(stopped, Nothing, At("2026-03-06T00:00+08:00"), Defaults));
        Assert.Null(Milestones.NextActionAt(stopped, Nothing, At("2026-03-02T18:00+08:00"), Defaults));
    }

    [Fact]
    public void A_clock_stopped_late_is_due_at_once_for_its_breach_alone_until_the_breach_is_on_record()
    {
        var stopped = Day.Stop(At("2026-03-03T10:00+08:00"));
        var now = At("2026-03-06T00:00+08:00");

        Assert.Equal(now, Milestones.NextActionAt(stopped, Nothing, now, Defaults));
        var breach = Assert.Single(Milestones.Pending(stopped, Nothing, now, Defaults));
        Assert.Equal(("breach", At("2026-03-03T00:00+08:00")), (breach.Name, breach.At));

        var recorded = new EnforcementRecord(now, breach.At, 0);
        Assert.Empty(Milestones.Pending(stopped, recorded, now, Defaults));
        Assert.Null(Milestones.NextActionAt(stopped, recorded, now, Defaults));
    }

    [Fact]
    public void A_suspended_clock_needs_nothing_until_it_resumes_and_then_its_next_milestone_not_on_record()
    {
        var suspended = Day.Suspend(At("2026-03-02T18:00+08:00"));
        var acted = new EnforcementRecord(At("2026-03-02T17:00+08:00"), null, 0);

        Assert.Empty(Milestones.Pending(suspended, acted, At("2026-03-06T00:00+08:00"), Defaults));
        Assert.Null(Milestones.NextActionAt(suspended, acted, At("2026-03-02T18:00+08:00"), Defaults));

        // Paused 6 hours: due moves to Tue 06:00 and the span to 30 h; the 50% reminder (Mon 15:00) is on record,
        // the 80% one moves to Tue 00:00.
        var resumed = suspended.Resume(At("2026-03-03T00:00+08:00"), China, Beijing);
        Assert.Equal(At("2026-03-03T00:00+08:00"), Milestones.NextActionAt(resumed, acted, At("2026-03-03T00:00+08:00"), Defaults));
    }

    [Fact]
    public void A_clock_suspended_after_its_breach_puts_the_breach_on_record_and_escalates_once_resumed()
    {
        var suspended = Day.Suspend(At("2026-03-03T02:00+08:00"));
        var now = At("2026-03-03T03:00+08:00");

        Assert.Equal(now, Milestones.NextActionAt(suspended, Nothing, now, Defaults));
        Assert.Equal("breach", Names(Milestones.Pending(suspended, Nothing, now, Defaults)));

        var recorded = new EnforcementRecord(now, At("2026-03-03T00:00+08:00"), 0);
        Assert.Null(Milestones.NextActionAt(suspended, recorded, now, Defaults));
        // The breach stands on resume: the escalation it did not get while suspended is due at once.
        var resumed = suspended.Resume(At("2026-03-03T04:00+08:00"), China, Beijing);
        Assert.Equal(At("2026-03-03T00:00+08:00"), Milestones.NextActionAt(resumed, recorded, At("2026-03-03T04:00+08:00"), Defaults));
    }

    [Theory]
    [InlineData("2026-03-02T21:59+08:00", "2026-03-02T21:59+08:00")] // before the quiet hours: at once
    [InlineData("2026-03-02T22:00+08:00", "2026-03-03T08:00+08:00")] // quiet from 22:00: the next morning
    [InlineData("2026-03-02T23:30+08:00", "2026-03-03T08:00+08:00")]
    [InlineData("2026-03-03T00:00+08:00", "2026-03-03T08:00+08:00")] // after midnight: the same morning
    [InlineData("2026-03-03T03:00+08:00", "2026-03-03T08:00+08:00")]
    [InlineData("2026-03-03T07:59+08:00", "2026-03-03T08:00+08:00")]
    [InlineData("2026-03-03T08:00+08:00", "2026-03-03T08:00+08:00")] // quiet hours over
    [InlineData("2026-03-03T14:00+08:00", "2026-03-03T14:00+08:00")]
    public void DeliverAfter_holds_a_normal_complaint_during_the_quiet_hours(string at, string expected)
    {
        Assert.Equal(At(expected), Milestones.DeliverAfter(At(at), Level.Normal, Beijing, Defaults));
    }

    [Fact]
    public void DeliverAfter_holds_important_complaints_like_normal_ones()
    {
        Assert.Equal(At("2026-03-03T08:00+08:00"), Milestones.DeliverAfter(At("2026-03-02T23:00+08:00"), Level.Important, Beijing, Defaults));
    }

    [Theory]
    [InlineData(Level.Major)]
    [InlineData(Level.Special)]
    public void DeliverAfter_never_holds_major_or_special_complaints(Level level)
    {
        Assert.Equal(At("2026-03-02T23:00+08:00"), Milestones.DeliverAfter(At("2026-03-02T23:00+08:00"), level, Beijing, Defaults));
        Assert.Equal(At("2026-03-03T03:00+08:00"), Milestones.DeliverAfter(At("2026-03-03T03:00+08:00"), level, Beijing, Defaults));
    }

    [Fact]
    public void DeliverAfter_judges_quiet_hours_in_local_time_not_UTC()
    {
        // 15:30 UTC is 23:30 in Beijing (quiet); 01:00 UTC is 09:00 in Beijing (not quiet).
        var held = Milestones.DeliverAfter(At("2026-03-02T15:30Z"), Level.Normal, Beijing, Defaults);

        Assert.Equal(At("2026-03-03T08:00+08:00"), held);
        Assert.Equal(TimeSpan.FromHours(8), held.Offset);
        Assert.Equal(At("2026-03-03T01:00Z"), Milestones.DeliverAfter(At("2026-03-03T01:00Z"), Level.Normal, Beijing, Defaults));
    }

    [Theory]
    [InlineData("2026-03-02T11:59+08:00", "2026-03-02T11:59+08:00")]
    [InlineData("2026-03-02T12:00+08:00", "2026-03-02T13:00+08:00")]
    [InlineData("2026-03-02T12:45+08:00", "2026-03-02T13:00+08:00")]
    [InlineData("2026-03-02T13:00+08:00", "2026-03-02T13:00+08:00")]
    [InlineData("2026-03-02T23:00+08:00", "2026-03-02T23:00+08:00")]
    [InlineData("2026-03-03T03:00+08:00", "2026-03-03T03:00+08:00")]
    public void DeliverAfter_with_a_daytime_window_holds_only_inside_it(string at, string expected)
    {
        var lunch = new MilestoneOptions { QuietHoursStart = new TimeOnly(12, 0), QuietHoursEnd = new TimeOnly(13, 0) };

        Assert.Equal(At(expected), Milestones.DeliverAfter(At(at), Level.Normal, Beijing, lunch));
    }

    [Fact]
    public void DeliverAfter_with_equal_start_and_end_never_holds()
    {
        var none = new MilestoneOptions { QuietHoursStart = new TimeOnly(22, 0), QuietHoursEnd = new TimeOnly(22, 0) };

        Assert.Equal(At("2026-03-02T22:00+08:00"), Milestones.DeliverAfter(At("2026-03-02T22:00+08:00"), Level.Normal, Beijing, none));
        Assert.Equal(At("2026-03-03T03:00+08:00"), Milestones.DeliverAfter(At("2026-03-03T03:00+08:00"), Level.Normal, Beijing, none));
    }
}
