using ComplaintGrpc.Worker.Calendar;

namespace ComplaintGrpc.IntegrationTests.Dashboard;

/// <summary>The decision of the calendar-coverage job (the recurring job the dashboard tests trigger).</summary>
public sealed class CalendarCoverageTests
{
    [Theory]
    [InlineData("2026-01-01", new[] { 2026 })]
    [InlineData("2026-10-31", new[] { 2026 })]
    [InlineData("2026-11-01", new[] { 2026, 2027 })]
    [InlineData("2026-12-31", new[] { 2026, 2027 })]
    public void The_next_year_is_needed_from_1_November(string today, int[] required) =>
        Assert.Equal(required, CalendarCoverage.RequiredYears(DateOnly.Parse(today)));

    [Fact]
    public void Missing_years_are_those_required_and_not_covered()
    {
        var loaded = new HashSet<int> { 2025, 2026 };
        var october = CalendarCoverage.Check(new DateOnly(2026, 10, 31), loaded.Contains);
        Assert.True(october.Covered);
        Assert.Equal("2026-10-31: covered (2026)", october.Summary);

        var november = CalendarCoverage.Check(new DateOnly(2026, 11, 1), loaded.Contains);
        Assert.False(november.Covered);
        Assert.Equal([2027], november.MissingYears);
        Assert.Equal("2026-11-01: MISSING 2027 (needed: 2026, 2027)", november.Summary);

        var newYear = CalendarCoverage.Check(new DateOnly(2028, 1, 2), loaded.Contains);
        Assert.Equal([2028], newYear.MissingYears);
    }
}
