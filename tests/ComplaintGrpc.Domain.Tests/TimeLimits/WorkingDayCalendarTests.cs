using ComplaintGrpc.Domain.TimeLimits;
using static ComplaintGrpc.Domain.Tests.TimeLimits.TestTimes;

namespace ComplaintGrpc.Domain.Tests.TimeLimits;

public class WorkingDayCalendarTests
{
    private static readonly WorkingDayCalendar China = WorkingDayCalendar.ChinaDefault();

    [Theory]
    [InlineData(2025)]
    [InlineData(2026)]
    public void Every_day_of_a_shipped_year_matches_the_State_Council_notice(int year)
    {
        var holidays = OfficialDates.Expand(year == 2025 ? OfficialDates.Holidays2025 : OfficialDates.Holidays2026);
        var makeUps = (year == 2025 ? OfficialDates.MakeUp2025 : OfficialDates.MakeUp2026).Select(Day).ToHashSet();

        var wrong = new List<string>();
        for (var d = new DateOnly(year, 1, 1); d.Year == year; d = d.AddDays(1))
        {
            var weekday = d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
            var expected = makeUps.Contains(d) || (weekday && !holidays.Contains(d));
            if (China.IsWorkingDay(d) != expected)
            {
                wrong.Add($"{d:yyyy-MM-dd} {d.DayOfWeek}: expected {(expected ? "working" : "day off")}");
            }
        }

        Assert.Empty(wrong);
        Assert.True(China.Covers(year));
    }

    [Theory]
    [InlineData("2025-01-26")]
    [InlineData("2025-02-08")]
    [InlineData("2025-04-27")]
    [InlineData("2025-09-28")]
    [InlineData("2025-10-11")]
    [InlineData("2026-01-04")]
    [InlineData("2026-02-14")]
    [InlineData("2026-02-28")]
    [InlineData("2026-05-09")]
    [InlineData("2026-09-20")]
    [InlineData("2026-10-10")]
    public void Make_up_weekend_days_are_working_days(string date)
    {
        var day = Day(date);

        Assert.True(day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday);
        Assert.True(China.IsWorkingDay(day));
    }

    [Theory]
    [InlineData("2026-03-07", false)] // ordinary Saturday
    [InlineData("2026-03-08", false)] // ordinary Sunday
    [InlineData("2026-03-09", true)]  // ordinary Monday
    [InlineData("2026-10-01", false)] // National Day, a Thursday
    [InlineData("2026-02-16", false)] // Spring Festival, a Monday
    [InlineData("2025-10-08", false)] // last day of the 2025 National Day block, a Wednesday
    public void Weekends_and_holidays_are_days_off(string date, bool working) =>
        Assert.Equal(working, China.IsWorkingDay(Day(date)));

    [Theory]
    [InlineData(2024, false)]
    [InlineData(2025, true)]
    [InlineData(2026, true)]
    [InlineData(2027, false)]
    public void China_default_covers_the_shipped_years_only(int year, bool covered) =>
        Assert.Equal(covered, China.Covers(year));

    [Fact]
    public void An_uncovered_year_falls_back_to_plain_weekdays()
    {
        // 2027-01-01 is a Friday; the 2027 notice is not loaded, so it is assumed to be a working day.
        Assert.True(China.IsWorkingDay(Day("2027-01-01")));
        Assert.False(China.IsWorkingDay(Day("2027-01-02")));
        Assert.False(WorkingDayCalendar.WeekdaysOnly.Covers(2026));
        Assert.True(WorkingDayCalendar.WeekdaysOnly.IsWorkingDay(Day("2026-10-01")));
    }

    [Fact]
    public void Create_rejects_the_same_year_twice()
    {
        var year = CalendarYear.Create(2030, "test", [], []);

        var ex = Assert.Throws<ArgumentException>(() => WorkingDayCalendar.Create([year, year]));
        Assert.Contains("2030", ex.Message);
    }

    [Fact]
    public void With_adds_a_new_year_and_replaces_an_existing_one()
    {
        // Test data, not an official calendar: 2027 with New Year's Day off, and a corrected 2026 with one more holiday.
        var y2027 = CalendarYear.Create(2027, "test document", [Day("2027-01-01")], []);
        var corrected2026 = CalendarYear.Create(
            2026,
            "test correction",
            China.Years.Single(y => y.Year == 2026).Holidays.Add(Day("2026-03-09")),
            China.Years.Single(y => y.Year == 2026).MakeUpWorkingDays);

        var extended = China.With([y2027, corrected2026]);

        Assert.True(extended.Covers(2027));
        Assert.False(extended.IsWorkingDay(Day("2027-01-01")));
        Assert.False(extended.IsWorkingDay(Day("2026-03-09")));
        Assert.True(extended.IsWorkingDay(Day("2026-10-10")));
        Assert.Equal([2025, 2026, 2027], extended.Years.Select(y => y.Year));
        // The original is immutable.
        Assert.False(China.Covers(2027));
        Assert.True(China.IsWorkingDay(Day("2026-03-09")));
    }

    [Theory]
    [InlineData("2026-02-13", "2026-02-24", 2, true)]  // Sat 14 (make-up) and Tue 24
    [InlineData("2026-02-14", "2026-02-23", 0, true)]  // the whole Spring Festival block
    [InlineData("2026-09-30", "2026-10-10", 3, true)]  // Oct 8, 9, 10 (make-up)
    [InlineData("2026-03-10", "2026-03-10", 0, true)]  // nothing after a day up to itself
    [InlineData("2026-12-30", "2027-01-05", 4, false)] // Dec 31, then three assumed 2027 weekdays
    public void CountWorkingDays_counts_strictly_after_up_to_and_including(string after, string through, int count, bool covered) =>
        Assert.Equal((count, covered), China.CountWorkingDays(Day(after), Day(through)));
}
