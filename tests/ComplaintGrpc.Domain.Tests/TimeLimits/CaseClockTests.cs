using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.TimeLimits;
using static ComplaintGrpc.Domain.Tests.TimeLimits.TestTimes;

namespace ComplaintGrpc.Domain.Tests.TimeLimits;

public class CaseClockTests
{
    private static readonly WorkingDayCalendar China = WorkingDayCalendar.ChinaDefault();
    private static readonly TimeZoneInfo Beijing = DeadlineCalculator.DefaultZone;

    private static CaseClock Start(string at, string limit, ClockKind kind = ClockKind.Reply, int round = 1) =>
        CaseClock.Start(kind, round, At(at), TimeLimit.Parse(limit), China, Beijing);

    private static CaseClock Resume(CaseClock clock, string at) => clock.Resume(At(at), China, Beijing);

    [Fact]
    public void Start_computes_the_deadline_from_the_limit()
    {
        // The worked example of the domain reference: Sep 30, Oct 8, Oct 9, Sat Oct 10 (make-up day).
        var clock = Start("2026-09-29T10:00+08:00", "4 working days", ClockKind.Reply, round: 2);

        Assert.Equal(ClockKind.Reply, clock.Kind);
        Assert.Equal(2, clock.Round);
        Assert.Equal(At("2026-09-29T10:00+08:00"), clock.StartedAt);
        Assert.Equal(TimeLimit.WorkingDays(4), clock.Limit);
        Assert.Equal(EndOfDayBeijing("2026-10-10"), clock.Deadline.DueAt);
        Assert.True(clock.Deadline.CalendarCovered);
        Assert.True(clock.IsRunning);
        Assert.Null(clock.SuspendedAt);
        Assert.Null(clock.StoppedAt);
        Assert.Empty(clock.Pauses);
    }

    [Fact]
    public void Start_of_a_clock_hour_limit_is_start_plus_duration()
    {
        var clock = Start("2026-03-02T09:15+08:00", "24 hours", ClockKind.FirstContact);

        Assert.Equal(At("2026-03-03T09:15+08:00"), clock.Deadline.DueAt);
        Assert.Equal(TimeSpan.FromHours(24), clock.RemainingAt(At("2026-03-02T09:15+08:00")));
    }

    [Fact]
    public void A_running_clock_breaches_at_the_due_instant_not_a_tick_before()
    {
        var clock = Start("2026-03-02T09:00+08:00", "2 hours", ClockKind.Dispatch);
        var due = At("2026-03-02T11:00+08:00");

        Assert.False(clock.IsBreachedAt(due.AddTicks(-1)));
        Assert.True(clock.IsBreachedAt(due));
        Assert.Equal(TimeSpan.FromMinutes(30), clock.RemainingAt(At("2026-03-02T10:30+08:00")));
        Assert.Equal(TimeSpan.FromMinutes(-45), clock.RemainingAt(At("2026-03-02T11:45+08:00")));
    }

    [Fact]
    public void Working_day_clock_suspended_over_Spring_Festival_counts_its_remaining_days_after_the_resume_date()
    {
        // Mon Feb 9: Feb 10, 11, 12, 13 → due at the end of Fri Feb 13.
        var clock = Start("2026-02-09T14:00+08:00", "4 working days");
        Assert.Equal(EndOfDayBeijing("2026-02-13"), clock.Deadline.DueAt);

        // Suspended Wed Feb 11: Feb 12 and 13 are left. Resumed on Mon Feb 23, the last day of the holiday block
        // (Feb 15–23): the resume day does not count, so Feb 24 (1) and Feb 25 (2).
        var suspended = clock.Suspend(At("2026-02-11T16:00+08:00"));
        Assert.False(suspended.IsRunning);
        Assert.Equal(EndOfDayBeijing("2026-02-13"), suspended.Deadline.DueAt); // still shows what was running

        var resumed = Resume(suspended, "2026-02-23T10:00+08:00");

        Assert.Equal(EndOfDayBeijing("2026-02-25"), resumed.Deadline.DueAt);
        Assert.True(resumed.IsRunning);
        Assert.Null(resumed.SuspendedAt);
        Assert.Equal(new[] { new ClockPause(At("2026-02-11T16:00+08:00"), At("2026-02-23T10:00+08:00")) }, resumed.Pauses);
        Assert.Equal(At("2026-02-09T14:00+08:00"), resumed.StartedAt);
    }

    [Fact]
    public void Clock_hour_clock_suspended_over_Spring_Festival_keeps_exactly_its_remaining_duration()
    {
        var clock = Start("2026-02-13T09:00+08:00", "24 hours", ClockKind.FirstContact);
        var suspended = clock.Suspend(At("2026-02-13T15:30+08:00")); // 17 h 30 min left

        var resumed = Resume(suspended, "2026-02-24T08:00+08:00");

        Assert.Equal(At("2026-02-25T01:30+08:00"), resumed.Deadline.DueAt);
        Assert.Equal(TimeSpan.FromMinutes(17 * 60 + 30), resumed.RemainingAt(At("2026-02-24T08:00+08:00")));
        // The deadline moved by exactly the length of the pause.
        var pause = resumed.Pauses.Single();
        Assert.Equal(clock.Deadline.DueAt + (pause.To - pause.From), resumed.Deadline.DueAt);
    }

    [Fact]
    public void Several_pauses_each_push_a_clock_hour_deadline_by_their_length()
    {
        var clock = Start("2026-03-02T08:00+08:00", "24 hours", ClockKind.FirstContact);

        var once = Resume(clock.Suspend(At("2026-03-02T10:00+08:00")), "2026-03-02T12:00+08:00"); // 2 h
        var twice = Resume(once.Suspend(At("2026-03-02T18:00+08:00")), "2026-03-02T21:30+08:00"); // 3 h 30 min

        Assert.Equal(At("2026-03-03T10:00+08:00"), once.Deadline.DueAt);
        Assert.Equal(At("2026-03-03T13:30+08:00"), twice.Deadline.DueAt);
        Assert.Equal(
            new[]
            {
                new ClockPause(At("2026-03-02T10:00+08:00"), At("2026-03-02T12:00+08:00")),
                new ClockPause(At("2026-03-02T18:00+08:00"), At("2026-03-02T21:30+08:00")),
            },
            twice.Pauses);
    }

    [Fact]
    public void Several_pauses_of_a_working_day_clock_each_work_on_what_the_previous_resume_left()
    {
        // Mon Mar 2: Mar 3, 4, 5, 6 → end of Fri Mar 6.
        var clock = Start("2026-03-02T09:00+08:00", "4 working days");

        // Suspended Tue Mar 3 (left: 4, 5, 6), resumed Thu Mar 5 → Mar 6, 9, 10: end of Tue Mar 10.
        var once = Resume(clock.Suspend(At("2026-03-03T11:00+08:00")), "2026-03-05T09:00+08:00");
        // Suspended Mon Mar 9 (left: 10), resumed the same day → unchanged.
        var twice = Resume(once.Suspend(At("2026-03-09T10:00+08:00")), "2026-03-09T17:00+08:00");
        // Suspended Tue Mar 10, the due day (0 left), resumed Thu Mar 12 → end of Mar 12.
        var thrice = Resume(twice.Suspend(At("2026-03-10T09:00+08:00")), "2026-03-12T14:00+08:00");

        Assert.Equal(EndOfDayBeijing("2026-03-10"), once.Deadline.DueAt);
        Assert.Equal(EndOfDayBeijing("2026-03-10"), twice.Deadline.DueAt);
        Assert.Equal(EndOfDayBeijing("2026-03-12"), thrice.Deadline.DueAt);
        Assert.Equal(3, thrice.Pauses.Count);
    }

    [Fact]
    public void Suspending_twice_keeps_the_first_suspension_and_resuming_a_running_clock_changes_nothing()
    {
        var clock = Start("2026-03-02T08:00+08:00", "24 hours");

        var suspended = clock.Suspend(At("2026-03-02T10:00+08:00")).Suspend(At("2026-03-02T11:00+08:00"));

        Assert.Equal(At("2026-03-02T10:00+08:00"), suspended.SuspendedAt);
        Assert.Same(clock, Resume(clock, "2026-03-02T12:00+08:00"));
    }

    [Fact]
    public void A_suspended_clock_does_not_breach_while_suspended()
    {
        var clock = Start("2026-03-02T08:00+08:00", "24 hours").Suspend(At("2026-03-02T20:00+08:00"));

        Assert.False(clock.IsBreachedAt(At("2026-03-03T08:00+08:00")));
        Assert.False(clock.IsBreachedAt(At("2026-03-20T08:00+08:00")));
        Assert.Equal(TimeSpan.FromHours(12), clock.RemainingAt(At("2026-03-20T08:00+08:00")));
    }

    [Fact]
    public void A_clock_suspended_after_its_due_stays_breached_and_keeps_the_original_due_on_resume()
    {
        var clock = Start("2026-03-02T08:00+08:00", "2 hours", ClockKind.Dispatch);
        var suspended = clock.Suspend(At("2026-03-02T10:30+08:00"));

        Assert.True(suspended.IsBreachedAt(At("2026-03-02T10:30+08:00")));
        Assert.Equal(TimeSpan.FromMinutes(-30), suspended.RemainingAt(At("2026-03-05T00:00+08:00")));

        var resumed = Resume(suspended, "2026-03-04T09:00+08:00");
        Assert.Equal(At("2026-03-02T10:00+08:00"), resumed.Deadline.DueAt);
        Assert.True(resumed.IsBreachedAt(At("2026-03-04T09:00+08:00")));
        Assert.Single(resumed.Pauses);
    }

    [Fact]
    public void Stop_freezes_the_remaining_time_and_a_stopped_clock_never_breaches_later()
    {
        var clock = Start("2026-03-02T08:00+08:00", "24 hours", ClockKind.FirstContact);

        var stopped = clock.Stop(At("2026-03-02T20:00+08:00"));

        Assert.False(stopped.IsRunning);
        Assert.Equal(At("2026-03-02T20:00+08:00"), stopped.StoppedAt);
        Assert.Equal(TimeSpan.FromHours(12), stopped.RemainingAt(At("2026-03-02T21:00+08:00")));
        Assert.Equal(TimeSpan.FromHours(12), stopped.RemainingAt(At("2026-04-30T00:00+08:00")));
        Assert.False(stopped.IsBreachedAt(At("2026-03-03T08:00+08:00")));
        Assert.False(stopped.IsBreachedAt(At("2026-04-30T00:00+08:00")));
    }

    [Fact]
    public void A_clock_stopped_after_its_due_stays_breached_by_how_late_it_was()
    {
        var stopped = Start("2026-03-02T08:00+08:00", "24 hours").Stop(At("2026-03-03T09:00+08:00"));

        Assert.True(stopped.IsBreachedAt(At("2026-03-03T09:00+08:00")));
        Assert.True(stopped.IsBreachedAt(At("2026-04-30T00:00+08:00")));
        Assert.Equal(TimeSpan.FromHours(-1), stopped.RemainingAt(At("2026-04-30T00:00+08:00")));
    }

    [Fact]
    public void A_stopped_clock_ignores_further_stops_suspensions_and_resumptions()
    {
        var stopped = Start("2026-03-02T08:00+08:00", "24 hours").Stop(At("2026-03-02T12:00+08:00"));

        Assert.Same(stopped, stopped.Stop(At("2026-03-02T13:00+08:00")));
        Assert.Same(stopped, stopped.Suspend(At("2026-03-02T13:00+08:00")));
        Assert.Same(stopped, Resume(stopped, "2026-03-02T14:00+08:00"));
    }

    [Fact]
    public void WithLimit_replays_the_pauses_of_a_re_graded_reply_clock()
    {
        // Received Wed Feb 11 10:00 with 4 working days: Feb 12, 13, Sat 14 (make-up), Tue 24 → end of Feb 24.
        // Suspended Thu Feb 12 11:00 (left: Feb 13, 14, 24 = 3), resumed Wed Feb 25 10:00 → Feb 26, 27, Sat 28
        // (make-up) → end of Feb 28.
        var clock = Resume(Start("2026-02-11T10:00+08:00", "4 working days").Suspend(At("2026-02-12T11:00+08:00")),
            "2026-02-25T10:00+08:00");
        Assert.Equal(EndOfDayBeijing("2026-02-28"), clock.Deadline.DueAt);

        // Re-graded to 2 working days. By hand: from Feb 11, Feb 12 (1), Feb 13 (2) → end of Feb 13.
        // Suspended Feb 12: left Feb 13 = 1. Resumed Feb 25: one working day after it is Feb 26 → end of Feb 26.
        var regraded = clock.WithLimit(TimeLimit.WorkingDays(2), China, Beijing);

        Assert.Equal(EndOfDayBeijing("2026-02-26"), regraded.Deadline.DueAt);
        Assert.Equal(TimeLimit.WorkingDays(2), regraded.Limit);
        Assert.Equal(clock.StartedAt, regraded.StartedAt);
        Assert.Equal(clock.Kind, regraded.Kind);
        Assert.Equal(clock.Round, regraded.Round);
        Assert.Equal(clock.Pauses, regraded.Pauses);
        Assert.True(regraded.IsRunning);
    }

    [Fact]
    public void WithLimit_back_to_the_original_limit_gives_the_same_deadline()
    {
        var clock = Start("2026-03-02T08:00+08:00", "24 hours", ClockKind.FirstContact);
        clock = Resume(clock.Suspend(At("2026-03-02T10:00+08:00")), "2026-03-02T12:00+08:00");
        clock = Resume(clock.Suspend(At("2026-03-02T18:00+08:00")), "2026-03-02T21:30+08:00");

        var shorter = clock.WithLimit(TimeLimit.ClockHours(12), China, Beijing);
        var back = shorter.WithLimit(TimeLimit.ClockHours(24), China, Beijing);

        // 12 h from 08:00 plus 2 h and 3 h 30 min of pauses.
        Assert.Equal(At("2026-03-03T01:30+08:00"), shorter.Deadline.DueAt);
        Assert.Equal(clock.Deadline.DueAt, back.Deadline.DueAt);
    }

    [Fact]
    public void WithLimit_on_a_stopped_clock_keeps_StoppedAt_and_judges_the_stop_against_the_new_deadline()
    {
        // Received Mon Mar 2; 4 working days → end of Mar 6; replied Thu Mar 5 at 10:00, on time.
        var stopped = Start("2026-03-02T09:00+08:00", "4 working days").Stop(At("2026-03-05T10:00+08:00"));
        Assert.False(stopped.IsBreachedAt(At("2026-03-09T00:00+08:00")));

        // Under 2 working days the reply was due at the end of Mar 4: the same reply is a day late.
        var regraded = stopped.WithLimit(TimeLimit.WorkingDays(2), China, Beijing);

        Assert.Equal(At("2026-03-05T10:00+08:00"), regraded.StoppedAt);
        Assert.False(regraded.IsRunning);
        Assert.Equal(EndOfDayBeijing("2026-03-04"), regraded.Deadline.DueAt);
        Assert.True(regraded.IsBreachedAt(At("2026-03-09T00:00+08:00")));
        Assert.Equal(TimeSpan.FromHours(-10), regraded.RemainingAt(At("2026-03-09T00:00+08:00")));
    }

    [Fact]
    public void WithLimit_on_a_suspended_clock_keeps_it_suspended()
    {
        var suspended = Start("2026-03-02T08:00+08:00", "24 hours", ClockKind.FirstContact).Suspend(At("2026-03-02T11:00+08:00"));

        var regraded = suspended.WithLimit(TimeLimit.ClockHours(12), China, Beijing);

        Assert.Equal(At("2026-03-02T11:00+08:00"), regraded.SuspendedAt);
        Assert.False(regraded.IsRunning);
        Assert.Equal(At("2026-03-02T20:00+08:00"), regraded.Deadline.DueAt);
        Assert.Equal(TimeSpan.FromHours(9), regraded.RemainingAt(At("2026-03-10T00:00+08:00")));
        // Resuming later gives back the 9 hours that were left at the suspension.
        Assert.Equal(At("2026-03-03T18:00+08:00"), Resume(regraded, "2026-03-03T09:00+08:00").Deadline.DueAt);
    }

    [Fact]
    public void WithLimit_shorter_than_the_time_run_before_a_pause_makes_the_pause_start_after_the_due()
    {
        // 24 h from 08:00, suspended at 20:00 (12 h run), resumed the next morning.
        var clock = Resume(Start("2026-03-02T08:00+08:00", "24 hours", ClockKind.FirstContact).Suspend(At("2026-03-02T20:00+08:00")),
            "2026-03-03T07:00+08:00");

        // Under 2 hours the clock had breached at 10:00, long before the suspension: the breach stands.
        var regraded = clock.WithLimit(TimeLimit.ClockHours(2), China, Beijing);

        Assert.Equal(At("2026-03-02T10:00+08:00"), regraded.Deadline.DueAt);
        Assert.True(regraded.IsBreachedAt(At("2026-03-03T07:00+08:00")));
    }
}
