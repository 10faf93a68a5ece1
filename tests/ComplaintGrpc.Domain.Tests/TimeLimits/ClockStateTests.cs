using ComplaintGrpc.Domain.TimeLimits;
using Microsoft.Extensions.Time.Testing;
using static ComplaintGrpc.Domain.Tests.TimeLimits.TestTimes;

namespace ComplaintGrpc.Domain.Tests.TimeLimits;

public class ClockStateTests
{
    private static readonly WorkingDayCalendar China = WorkingDayCalendar.ChinaDefault();

    private static ClockState Start(string at, string limit) => ClockState.Start(At(at), TimeLimit.Parse(limit), China);

    [Fact]
    public void Suspension_across_Spring_Festival_keeps_the_working_days_left_before_it()
    {
        // Wed Feb 11: Feb 12 (1), 13 (2), Sat 14 make-up (3), Tue 24 (4).
        var clock = Start("2026-02-11T10:00+08:00", "4 working days");
        Assert.Equal(EndOfDayBeijing("2026-02-24"), clock.Deadline.DueAt);

        var suspended = clock.Suspend(At("2026-02-13T15:00+08:00"));
        var remaining = suspended.Remaining(At("2026-02-20T12:00+08:00"), China);
        Assert.Equal(2, remaining.Days); // Feb 14 and Feb 24
        Assert.Equal("2 working days", remaining.ToString());

        var resumed = suspended.Resume(At("2026-02-25T09:00+08:00"), China);

        Assert.Equal(EndOfDayBeijing("2026-02-27"), resumed.Deadline.DueAt); // Feb 26, 27
        Assert.False(resumed.IsSuspended);
        Assert.True(resumed.Deadline.CalendarCovered);
    }

    [Fact]
    public void Resuming_on_a_holiday_counts_from_the_next_working_day()
    {
        var clock = Start("2026-02-11T10:00+08:00", "4 working days")
            .Suspend(At("2026-02-12T11:00+08:00")); // left: Feb 13, 14, 24

        var resumed = clock.Resume(At("2026-02-21T10:00+08:00"), China); // Saturday inside the holiday block

        Assert.Equal(EndOfDayBeijing("2026-02-26"), resumed.Deadline.DueAt); // Feb 24, 25, 26
    }

    [Fact]
    public void A_suspension_wholly_inside_a_holiday_block_costs_nothing()
    {
        // Fri Feb 13: Sat 14 (1), 24 (2), 25 (3), 26 (4).
        var clock = Start("2026-02-13T10:00+08:00", "4 working days");

        var resumed = clock.Suspend(At("2026-02-18T10:00+08:00")).Resume(At("2026-02-20T10:00+08:00"), China);

        Assert.Equal(EndOfDayBeijing("2026-02-26"), clock.Deadline.DueAt);
        Assert.Equal(clock.Deadline.DueAt, resumed.Deadline.DueAt);
    }

    [Fact]
    public void Suspension_across_National_Day()
    {
        // The worked example: due at the end of Sat Oct 10 (make-up).
        var clock = Start("2026-09-29T10:00+08:00", "4 working days");
        var suspended = clock.Suspend(At("2026-09-30T16:00+08:00"));
        Assert.Equal(3, suspended.Remaining(At("2026-10-05T00:00+08:00"), China).Days); // Oct 8, 9, 10

        var resumed = suspended.Resume(At("2026-10-09T09:00+08:00"), China);

        // Sat Oct 10 make-up (1), Mon Oct 12 (2), Tue Oct 13 (3).
        Assert.Equal(EndOfDayBeijing("2026-10-13"), resumed.Deadline.DueAt);
    }

    [Fact]
    public void Suspend_and_resume_on_the_same_day_leaves_a_day_based_deadline_unchanged()
    {
        var clock = Start("2026-03-09T10:00+08:00", "4 working days"); // due end of Fri Mar 13

        var resumed = clock.Suspend(At("2026-03-10T09:00+08:00")).Resume(At("2026-03-10T17:00+08:00"), China);

        Assert.Equal(EndOfDayBeijing("2026-03-13"), resumed.Deadline.DueAt);
        Assert.Equal(1, resumed.Suspensions);
    }

    [Fact]
    public void A_clock_limit_moves_by_exactly_the_pause()
    {
        var clock = Start("2026-03-09T10:00+08:00", "24 hours");

        var resumed = clock.Suspend(At("2026-03-09T12:00+08:00")).Resume(At("2026-03-09T15:00+08:00"), China);

        Assert.Equal(At("2026-03-10T13:00+08:00"), resumed.Deadline.DueAt);
    }

    [Fact]
    public void A_clock_limit_keeps_its_remaining_hours_across_a_holiday()
    {
        var suspended = Start("2026-02-13T10:00+08:00", "24 hours").Suspend(At("2026-02-13T20:00+08:00"));
        var remaining = suspended.Remaining(At("2026-02-20T00:00+08:00"), China);
        Assert.Equal(TimeSpan.FromHours(14), remaining.Duration);
        Assert.Equal("14 hours 0 minutes", remaining.ToString());

        var resumed = suspended.Resume(At("2026-02-24T09:00+08:00"), China);

        Assert.Equal(At("2026-02-24T23:00+08:00"), resumed.Deadline.DueAt);
    }

    [Fact]
    public void Calendar_days_left_are_counted_after_the_suspension_date()
    {
        var clock = Start("2026-03-09T10:00+08:00", "7 calendar days"); // due end of Mar 16
        var suspended = clock.Suspend(At("2026-03-11T10:00+08:00"));
        Assert.Equal(5, suspended.Remaining(At("2026-03-12T00:00+08:00"), China).Days); // Mar 12-16

        var resumed = suspended.Resume(At("2026-03-14T18:00+08:00"), China);

        Assert.Equal(EndOfDayBeijing("2026-03-19"), resumed.Deadline.DueAt);
    }

    [Fact]
    public void Suspended_on_the_due_day_leaves_the_rest_of_the_resume_day()
    {
        var suspended = Start("2026-03-09T10:00+08:00", "4 working days").Suspend(At("2026-03-13T15:00+08:00"));
        var remaining = suspended.Remaining(At("2026-03-14T00:00+08:00"), China);
        Assert.Equal(0, remaining.Days);
        Assert.False(remaining.IsBreached);

        var resumed = suspended.Resume(At("2026-03-16T09:00+08:00"), China);

        Assert.Equal(EndOfDayBeijing("2026-03-16"), resumed.Deadline.DueAt);
    }

    [Theory]
    [InlineData("2026-03-16T10:00+08:00")] // two days after the due instant
    [InlineData("2026-03-14T00:00+08:00")] // exactly at it
    public void Suspending_after_the_deadline_does_not_undo_the_breach(string suspendAt)
    {
        var clock = Start("2026-03-09T10:00+08:00", "4 working days"); // due 2026-03-14 00:00
        var suspended = clock.Suspend(At(suspendAt));

        var remaining = suspended.Remaining(At("2026-03-20T00:00+08:00"), China);
        Assert.True(remaining.IsBreached);
        Assert.Equal(At("2026-03-14T00:00+08:00") - At(suspendAt), remaining.Duration);
        Assert.Equal("breached", remaining.ToString());
        Assert.True(suspended.IsBreachedAt(At("2026-03-20T00:00+08:00")));

        var resumed = suspended.Resume(At("2026-03-18T10:00+08:00"), China);

        Assert.Equal(clock.Deadline, resumed.Deadline);
        Assert.True(resumed.IsBreachedAt(At("2026-03-18T10:00+08:00")));
    }

    [Fact]
    public void A_breached_clock_limit_stays_at_its_original_due()
    {
        var clock = Start("2026-03-09T10:00+08:00", "2 hours");

        var resumed = clock.Suspend(At("2026-03-09T13:00+08:00")).Resume(At("2026-03-09T17:00+08:00"), China);

        Assert.Equal(At("2026-03-09T12:00+08:00"), resumed.Deadline.DueAt);
    }

    [Fact]
    public void Several_suspensions_each_keep_what_was_left()
    {
        var clock = Start("2026-03-09T10:00+08:00", "4 working days"); // due end of Fri Mar 13

        var first = clock.Suspend(At("2026-03-10T10:00+08:00")).Resume(At("2026-03-12T09:00+08:00"), China);
        // Left at Mar 10: Mar 11, 12, 13 = 3; after Mar 12: 13, 16, 17.
        Assert.Equal(EndOfDayBeijing("2026-03-17"), first.Deadline.DueAt);

        var second = first.Suspend(At("2026-03-16T10:00+08:00")).Resume(At("2026-03-19T14:00+08:00"), China);
        // Left at Mar 16: Mar 17 = 1; after Mar 19: Mar 20.
        Assert.Equal(EndOfDayBeijing("2026-03-20"), second.Deadline.DueAt);
        Assert.Equal(2, second.Suspensions);
        Assert.Equal(At("2026-03-09T10:00+08:00"), second.StartedAt);
        Assert.Equal(At("2026-03-19T14:00+08:00"), second.ResumedAt);
    }

    [Fact]
    public void A_resume_that_reaches_into_an_uncovered_year_is_flagged()
    {
        var clock = Start("2026-12-21T10:00+08:00", "4 working days"); // Dec 22-25, covered
        Assert.True(clock.Deadline.CalendarCovered);

        var resumed = clock.Suspend(At("2026-12-22T10:00+08:00")).Resume(At("2026-12-30T10:00+08:00"), China);

        // Left: Dec 23, 24, 25 = 3; after Dec 30: Dec 31, Jan 1 and Jan 4 assumed.
        Assert.Equal(EndOfDayBeijing("2027-01-04"), resumed.Deadline.DueAt);
        Assert.False(resumed.Deadline.CalendarCovered);
    }

    [Fact]
    public void Suspend_and_resume_reject_impossible_orders()
    {
        var clock = Start("2026-03-09T10:00+08:00", "4 working days");
        var suspended = clock.Suspend(At("2026-03-10T10:00+08:00"));

        Assert.Throws<InvalidOperationException>(() => suspended.Suspend(At("2026-03-11T10:00+08:00")));
        Assert.Throws<InvalidOperationException>(() => clock.Resume(At("2026-03-11T10:00+08:00"), China));
        Assert.Throws<ArgumentOutOfRangeException>(() => suspended.Resume(At("2026-03-10T09:00+08:00"), China));
        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Suspend(At("2026-03-09T09:00+08:00")));
        var resumed = suspended.Resume(At("2026-03-12T10:00+08:00"), China);
        Assert.Throws<ArgumentOutOfRangeException>(() => resumed.Suspend(At("2026-03-11T10:00+08:00")));
    }

    [Fact]
    public void A_suspended_clock_does_not_run_out_while_time_passes()
    {
        var time = new FakeTimeProvider(At("2026-03-09T10:00+08:00"));
        var clock = ClockState.Start(time.GetUtcNow(), TimeLimit.ClockHours(2), China);

        time.Advance(TimeSpan.FromHours(1));
        var suspended = clock.Suspend(time.GetUtcNow());
        time.Advance(TimeSpan.FromHours(5));

        Assert.True(clock.IsBreached(time));
        Assert.False(suspended.IsBreached(time));

        var resumed = suspended.Resume(time.GetUtcNow(), China);
        time.Advance(TimeSpan.FromMinutes(59));
        Assert.False(resumed.IsBreached(time));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.True(resumed.IsBreached(time));
    }

    [Fact]
    public void Remaining_while_running_is_counted_from_now()
    {
        var clock = Start("2026-09-29T10:00+08:00", "4 working days");

        Assert.Equal(4, clock.Remaining(At("2026-09-29T18:00+08:00"), China).Days);
        Assert.Equal(2, clock.Remaining(At("2026-10-08T08:00+08:00"), China).Days); // Oct 9, 10
        Assert.True(clock.Remaining(At("2026-10-11T00:00+08:00"), China).IsBreached);
    }

    [Fact]
    public void Restore_rebuilds_an_equal_state()
    {
        var suspended = Start("2026-03-09T10:00+08:00", "4 working days").Suspend(At("2026-03-10T10:00+08:00"));

        var restored = ClockState.Restore(suspended.StartedAt, suspended.Deadline, suspended.SuspendedAt, suspended.ResumedAt, suspended.Suspensions);

        Assert.Equal(suspended, restored);
        Assert.Equal(
            suspended.Resume(At("2026-03-12T09:00+08:00"), China),
            restored.Resume(At("2026-03-12T09:00+08:00"), China));
    }
}
