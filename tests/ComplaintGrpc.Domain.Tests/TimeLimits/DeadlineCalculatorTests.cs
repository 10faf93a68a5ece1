using ComplaintGrpc.Domain.TimeLimits;
using static ComplaintGrpc.Domain.Tests.TimeLimits.TestTimes;

namespace ComplaintGrpc.Domain.Tests.TimeLimits;

public class DeadlineCalculatorTests
{
    private static readonly WorkingDayCalendar China = WorkingDayCalendar.ChinaDefault();

    [Fact]
    public void Worked_example_from_the_domain_reference()
    {
        // Tue 2026-09-29 10:00: Sep 30 (1), Oct 8 (2), Oct 9 (3), Sat Oct 10 make-up (4).
        var deadline = DeadlineCalculator.Due(At("2026-09-29T10:00+08:00"), TimeLimit.WorkingDays(4), China);

        Assert.Equal(At("2026-10-11T00:00+08:00"), deadline.DueAt);
        Assert.Equal(TimeSpan.FromHours(8), deadline.DueAt.Offset);
        Assert.Equal(TimeLimit.WorkingDays(4), deadline.Limit);
        Assert.True(deadline.CalendarCovered);
    }

    // The last working day before each holiday block, plus N working days, lands on the first working day after it
    // (or on a make-up day). Start at 10:00 Beijing time; the due instant is 24:00 of the expected day.
    [Theory]
    // 2025
    [InlineData("2024-12-31", 1, "2025-01-02")] // New Year's Day; starting in uncovered 2024 counts only 2025 days
    [InlineData("2025-01-24", 1, "2025-01-26")] // Fri -> Sun Jan 26 make-up
    [InlineData("2025-01-27", 1, "2025-02-05")] // Spring Festival Jan 28 - Feb 4
    [InlineData("2025-01-26", 2, "2025-02-05")] // from the make-up Sunday: Jan 27, Feb 5
    [InlineData("2025-02-07", 1, "2025-02-08")] // Fri -> Sat Feb 8 make-up
    [InlineData("2025-04-03", 1, "2025-04-07")] // Qingming Apr 4-6
    [InlineData("2025-04-25", 1, "2025-04-27")] // Fri -> Sun Apr 27 make-up
    [InlineData("2025-04-30", 1, "2025-05-06")] // Labour Day May 1-5
    [InlineData("2025-05-30", 1, "2025-06-03")] // Dragon Boat May 31 - Jun 2
    [InlineData("2025-09-26", 1, "2025-09-28")] // Fri -> Sun Sep 28 make-up
    [InlineData("2025-09-30", 1, "2025-10-09")] // National Day Oct 1-8
    [InlineData("2025-10-09", 2, "2025-10-11")] // Oct 10, Sat Oct 11 make-up
    // 2026
    [InlineData("2025-12-31", 1, "2026-01-04")] // New Year Jan 1-3, then Sun Jan 4 make-up
    [InlineData("2025-12-31", 2, "2026-01-05")]
    [InlineData("2026-02-13", 1, "2026-02-14")] // Fri -> Sat Feb 14 make-up
    [InlineData("2026-02-14", 1, "2026-02-24")] // Spring Festival Feb 15-23
    [InlineData("2026-02-13", 2, "2026-02-24")] // two working days from the day before lands after it
    [InlineData("2026-02-24", 4, "2026-02-28")] // Feb 25, 26, 27, Sat Feb 28 make-up
    [InlineData("2026-04-03", 1, "2026-04-07")] // Qingming Apr 4-6
    [InlineData("2026-04-30", 1, "2026-05-06")] // Labour Day May 1-5
    [InlineData("2026-05-08", 1, "2026-05-09")] // Fri -> Sat May 9 make-up
    [InlineData("2026-06-18", 1, "2026-06-22")] // Dragon Boat Jun 19-21
    [InlineData("2026-09-18", 1, "2026-09-20")] // Fri -> Sun Sep 20 make-up
    [InlineData("2026-09-24", 1, "2026-09-28")] // Mid-Autumn Sep 25-27
    [InlineData("2026-09-30", 1, "2026-10-08")] // National Day Oct 1-7
    [InlineData("2026-10-09", 1, "2026-10-10")] // Fri -> Sat Oct 10 make-up
    [InlineData("2026-09-24", 10, "2026-10-15")] // 12398 limit across Mid-Autumn and National Day
    // Ordinary weekends are skipped, and the start day never counts even on a weekend.
    [InlineData("2026-03-06", 1, "2026-03-09")]
    [InlineData("2026-03-07", 1, "2026-03-09")]
    [InlineData("2026-03-08", 5, "2026-03-13")]
    [InlineData("2026-10-03", 1, "2026-10-08")] // starting on a holiday
    public void Working_days_skip_holidays_and_weekends_and_count_make_up_days(string start, int days, string dueDay)
    {
        var deadline = DeadlineCalculator.Due(At($"{start}T10:00+08:00"), TimeLimit.WorkingDays(days), China);

        Assert.Equal(EndOfDayBeijing(dueDay), deadline.DueAt);
        Assert.True(deadline.CalendarCovered);
    }

    [Theory]
    [InlineData("2026-03-10T00:00:00+08:00")]
    [InlineData("2026-03-10T10:00:00+08:00")]
    [InlineData("2026-03-10T23:59:59+08:00")]
    [InlineData("2026-03-09T16:00:00Z")] // = Mar 10 00:00 in Beijing
    [InlineData("2026-03-10T15:59:59Z")] // = Mar 10 23:59:59 in Beijing
    public void The_start_day_never_counts_whatever_the_hour(string start)
    {
        var working = DeadlineCalculator.Due(At(start), TimeLimit.WorkingDays(1), China);
        var calendar = DeadlineCalculator.Due(At(start), TimeLimit.CalendarDays(7), China);

        Assert.Equal(EndOfDayBeijing("2026-03-11"), working.DueAt);
        Assert.Equal(EndOfDayBeijing("2026-03-17"), calendar.DueAt);
    }

    [Theory]
    [InlineData("2026-03-09T16:00:00Z", "2026-03-11")] // just after local midnight: the local date is Mar 10
    [InlineData("2026-03-09T15:59:59Z", "2026-03-10")] // just before it: still Mar 9 locally
    public void Days_are_counted_from_the_local_date_not_the_UTC_date(string start, string dueDay) =>
        Assert.Equal(EndOfDayBeijing(dueDay), DeadlineCalculator.Due(At(start), TimeLimit.WorkingDays(1), China).DueAt);

    [Theory]
    [InlineData("2026-09-30T10:00+08:00", 7, "2026-10-07")] // calendar days ignore National Day
    [InlineData("2026-02-14T23:59+08:00", 7, "2026-02-21")]
    [InlineData("2026-02-15T00:00+08:00", 7, "2026-02-22")]
    [InlineData("2026-12-28T10:00+08:00", 10, "2027-01-07")] // into uncovered 2027: still exact
    public void Calendar_days_end_at_midnight_of_the_nth_day_after_the_start_date(string start, int days, string dueDay)
    {
        var deadline = DeadlineCalculator.Due(At(start), TimeLimit.CalendarDays(days), China);

        Assert.Equal(EndOfDayBeijing(dueDay), deadline.DueAt);
        Assert.True(deadline.CalendarCovered);
    }

    [Theory]
    [InlineData("2026-02-14T10:00+08:00", "24 hours", "2026-02-15T10:00+08:00")] // into Spring Festival: clock time runs on
    [InlineData("2026-09-30T23:50+08:00", "30 minutes", "2026-10-01T00:20+08:00")]
    [InlineData("2026-03-10T02:00Z", "2 hours", "2026-03-10T12:00+08:00")]
    [InlineData("2026-12-31T20:00+08:00", "24 hours", "2027-01-01T20:00+08:00")]
    public void Clock_limits_run_around_the_clock(string start, string limit, string due)
    {
        var deadline = DeadlineCalculator.Due(At(start), TimeLimit.Parse(limit), China);

        Assert.Equal(At(due), deadline.DueAt);
        Assert.Equal(TimeSpan.FromHours(8), deadline.DueAt.Offset);
        Assert.True(deadline.CalendarCovered);
    }

    [Fact]
    public void A_year_outside_the_calendar_uses_plain_weekdays_and_says_so()
    {
        // Mon 2027-03-01: Mar 2, 3, 4, 5 on the Monday-Friday assumption.
        var deadline = DeadlineCalculator.Due(At("2027-03-01T10:00+08:00"), TimeLimit.WorkingDays(4), China);

        Assert.Equal(EndOfDayBeijing("2027-03-05"), deadline.DueAt);
        Assert.False(deadline.CalendarCovered);
    }

    [Theory]
    [InlineData("2026-12-30", 1, "2026-12-31", true)]  // stays in 2026
    [InlineData("2026-12-31", 1, "2027-01-01", false)] // Fri Jan 1 2027 assumed a working day
    [InlineData("2026-12-30", 4, "2027-01-05", false)] // Dec 31, Jan 1, Jan 4, Jan 5
    public void A_deadline_crossing_into_uncovered_2027_is_flagged(string start, int days, string dueDay, bool covered)
    {
        var deadline = DeadlineCalculator.Due(At($"{start}T10:00+08:00"), TimeLimit.WorkingDays(days), China);

        Assert.Equal(EndOfDayBeijing(dueDay), deadline.DueAt);
        Assert.Equal(covered, deadline.CalendarCovered);
    }

    [Fact]
    public void Loading_the_missing_year_makes_the_same_deadline_exact()
    {
        // Test data standing in for a future notice: 2027-01-01 off.
        var with2027 = China.With(CalendarYear.Create(2027, "test document", [Day("2027-01-01")], []));

        var deadline = DeadlineCalculator.Due(At("2026-12-30T10:00+08:00"), TimeLimit.WorkingDays(4), with2027);

        Assert.Equal(EndOfDayBeijing("2027-01-06"), deadline.DueAt);
        Assert.True(deadline.CalendarCovered);
    }

    [Fact]
    public void Another_zone_counts_days_in_its_own_local_time()
    {
        var urumqi = TimeZoneInfo.FindSystemTimeZoneById("Asia/Urumqi"); // UTC+6
        var start = At("2026-03-10T01:00+08:00"); // Mar 10 in Beijing, Mar 9 23:00 in Urumqi

        var inBeijing = DeadlineCalculator.Due(start, TimeLimit.WorkingDays(1), China);
        var inUrumqi = DeadlineCalculator.Due(start, TimeLimit.WorkingDays(1), China, urumqi);

        Assert.Equal(EndOfDayBeijing("2026-03-11"), inBeijing.DueAt);
        Assert.Equal(new DateTimeOffset(2026, 3, 11, 0, 0, 0, TimeSpan.FromHours(6)), inUrumqi.DueAt);
        Assert.Equal(TimeSpan.FromHours(6), inUrumqi.DueAt.Offset);
    }

    [Fact]
    public void Midnight_after_a_daylight_saving_change_uses_the_new_offset()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"); // summer time from 2026-03-29 02:00

        var deadline = DeadlineCalculator.Due(At("2026-03-27T12:00+01:00"), TimeLimit.CalendarDays(2), China, berlin);

        Assert.Equal(new DateTimeOffset(2026, 3, 30, 0, 0, 0, TimeSpan.FromHours(2)), deadline.DueAt);
        Assert.Equal(TimeSpan.FromHours(2), deadline.DueAt.Offset);
    }

    [Fact]
    public void A_skipped_local_midnight_ends_the_day_when_the_clocks_resume()
    {
        // A zone at UTC+3 whose clocks jump from 00:00 to 01:00 on 29 March.
        var rule = TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(
            new DateTime(2026, 1, 1),
            new DateTime(2026, 12, 31),
            TimeSpan.FromHours(1),
            TimeZoneInfo.TransitionTime.CreateFixedDateRule(new DateTime(1, 1, 1, 0, 0, 0), 3, 29),
            TimeZoneInfo.TransitionTime.CreateFixedDateRule(new DateTime(1, 1, 1, 1, 0, 0), 10, 25));
        var zone = TimeZoneInfo.CreateCustomTimeZone("Test/MidnightJump", TimeSpan.FromHours(3), "midnight jump", "standard", "summer", [rule]);

        var end = DeadlineCalculator.EndOfDay(Day("2026-03-28"), zone);

        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.FromHours(4)), end);
        Assert.Equal(TimeSpan.FromHours(4), end.Offset);
    }

    [Fact]
    public void The_default_zone_is_Beijing_time()
    {
        // China had summer time in 1986-1991 only; today the offset is +08:00 all year.
        Assert.Equal(TimeSpan.FromHours(8), DeadlineCalculator.DefaultZone.GetUtcOffset(At("2026-01-15T00:00Z")));
        Assert.Equal(TimeSpan.FromHours(8), DeadlineCalculator.DefaultZone.GetUtcOffset(At("2026-07-15T00:00Z")));
    }

    [Theory]
    [InlineData("2026-10-10T23:59:59+08:00", false)]
    [InlineData("2026-10-11T00:00:00+08:00", true)]
    [InlineData("2026-10-10T16:00:00Z", true)]
    public void A_deadline_is_breached_from_its_due_instant_on(string now, bool breached)
    {
        var deadline = DeadlineCalculator.Due(At("2026-09-29T10:00+08:00"), TimeLimit.WorkingDays(4), China);

        Assert.Equal(breached, deadline.IsBreachedAt(At(now)));
    }
}
