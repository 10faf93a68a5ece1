using System.ComponentModel.DataAnnotations;
using ComplaintGrpc.Reporting;
using ComplaintGrpc.Worker.Reports;

namespace ComplaintGrpc.IntegrationTests.Reports;

/// <summary>
/// When the monthly report runs and which month a firing reports on: the worker's trigger, built from the options,
/// with its firings computed by Quartz itself (no clock, no waiting), and the month a firing's scheduled instant maps to.
/// </summary>
public sealed class AnalysisReportScheduleTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private static DateTimeOffset Local(int y, int mo, int d, int h, int mi) => new(y, mo, d, h, mi, 0, TimeSpan.FromHours(8));

    private static List<DateTimeOffset> Firings(AnalysisReportScheduleOptions options, DateTimeOffset after, int count)
    {
        // A built trigger starts now; Quartz gives no firing before its start, so the test's calendar would follow
        // today's date without this.
        var trigger = AnalysisReportTrigger.Build(options, Shanghai).GetTriggerBuilder().StartAt(after).Build();
        var firings = new List<DateTimeOffset>();
        DateTimeOffset? next = after;
        while (firings.Count < count && (next = trigger.GetFireTimeAfter(next)) is { } at)
            firings.Add(at);
        return firings;
    }

    [Fact]
    public void By_default_it_fires_on_the_1st_at_07_00_Shanghai_for_the_month_before()
    {
        var firings = Firings(new AnalysisReportScheduleOptions(), Local(2026, 11, 15, 12, 0), 3);
        Assert.Equal([Local(2026, 12, 1, 7, 0), Local(2027, 1, 1, 7, 0), Local(2027, 2, 1, 7, 0)], firings);
        Assert.Equal(["2026-11", "2026-12", "2027-01"], firings.Select(f => AnalysisMonth.Before(f, Shanghai).Text));
    }

    [Fact]
    public void A_configured_day_and_time_move_the_firing()
    {
        var options = new AnalysisReportScheduleOptions { DayOfMonth = 5, Time = new TimeSpan(0, 30, 0) };
        Assert.Equal("0 30 0 5 * ?", options.Cron);
        var firings = Firings(options, Local(2026, 12, 5, 0, 30), 2);
        Assert.Equal([Local(2027, 1, 5, 0, 30), Local(2027, 2, 5, 0, 30)], firings);
        // 00:30 on 5 January in Shanghai is still 4 January in UTC: the month is counted in the report zone.
        Assert.Equal("2026-12", AnalysisMonth.Before(firings[0], Shanghai).Text);
    }

    [Theory]
    [InlineData(0, "07:00:00", false)]
    [InlineData(29, "07:00:00", false)]
    [InlineData(28, "07:00:00", true)]
    public void The_day_must_exist_in_every_month(int day, string time, bool valid)
    {
        var options = new AnalysisReportScheduleOptions { DayOfMonth = day, Time = TimeSpan.Parse(time, System.Globalization.CultureInfo.InvariantCulture) };
        Assert.Equal(valid, Validator.TryValidateObject(options, new ValidationContext(options), null, validateAllProperties: true));
    }

    [Fact]
    public void A_time_with_seconds_or_past_midnight_is_refused()
    {
        Assert.False(new AnalysisReportScheduleOptions { Time = new TimeSpan(7, 0, 30) }.IsWholeMinuteOfDay);
        Assert.False(new AnalysisReportScheduleOptions { Time = TimeSpan.FromHours(24) }.IsWholeMinuteOfDay);
        Assert.True(new AnalysisReportScheduleOptions { Time = new TimeSpan(23, 59, 0) }.IsWholeMinuteOfDay);
    }

    [Fact]
    public void The_months_around_a_year_end_and_their_bases()
    {
        var month = AnalysisMonth.Before(Local(2027, 1, 1, 7, 0), Shanghai);
        Assert.Equal(("2026-12", "2026-11", "2025-12"), (month.Text, month.Previous.Text, month.YearBefore.Text));
        Assert.Equal(Local(2026, 12, 1, 0, 0), month.Start);
        Assert.Equal(Local(2027, 1, 1, 0, 0), month.CutOff);
    }
}
