using ComplaintGrpc.Domain.Analysis;

namespace ComplaintGrpc.Domain.Tests.Analysis;

public class FlagWindowTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private static DateTimeOffset Local(int y, int m, int d, int h = 0) => new(y, m, d, h, 0, 0, TimeSpan.FromHours(8));

    [Fact]
    public void Seven_day_windows_are_monday_to_sunday_weeks_in_local_time()
    {
        // Sunday 2026-11-29 23:30 Beijing is still in the week that began on Monday 2026-11-23.
        var w = FlagWindow.Containing(Local(2026, 11, 29, 23).AddMinutes(30), 7, Shanghai);
        Assert.Equal(new FlagWindow(Local(2026, 11, 23), Local(2026, 11, 30)), w);
        Assert.Equal(new FlagWindow(Local(2026, 11, 30), Local(2026, 12, 7)), FlagWindow.Containing(Local(2026, 11, 30), 7, Shanghai));
    }

    [Fact]
    public void The_previous_window_ends_where_this_one_starts()
    {
        var w = FlagWindow.Containing(Local(2026, 11, 25, 12), 7, Shanghai);
        Assert.Equal(new FlagWindow(Local(2026, 11, 16), Local(2026, 11, 23)), w.Previous(7, Shanghai));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(30)]
    public void Every_instant_is_in_exactly_one_window_of_the_given_length(int days)
    {
        for (var at = Local(1999, 12, 20); at < Local(2000, 3, 1); at = at.AddHours(5))
        {
            var w = FlagWindow.Containing(at, days, Shanghai);
            Assert.True(w.Start <= at && at < w.End, $"{at:O} outside {w}");
            Assert.Equal(TimeSpan.FromDays(days), w.End - w.Start);
            Assert.Equal(w, FlagWindow.Containing(w.Start, days, Shanghai));
        }
    }
}
