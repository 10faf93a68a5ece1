using ComplaintGrpc.Domain.TimeLimits;

namespace ComplaintGrpc.Domain.Tests.TimeLimits;

public class TimeLimitTests
{
    [Theory]
    [InlineData(24, TimeLimitUnit.ClockHours, "24 hours")]
    [InlineData(1, TimeLimitUnit.ClockHours, "1 hour")]
    [InlineData(15, TimeLimitUnit.ClockMinutes, "15 minutes")]
    [InlineData(1, TimeLimitUnit.ClockMinutes, "1 minute")]
    [InlineData(4, TimeLimitUnit.WorkingDays, "4 working days")]
    [InlineData(1, TimeLimitUnit.WorkingDays, "1 working day")]
    [InlineData(7, TimeLimitUnit.CalendarDays, "7 calendar days")]
    [InlineData(1, TimeLimitUnit.CalendarDays, "1 calendar day")]
    public void Formats_and_parses_back_to_the_same_limit(int amount, TimeLimitUnit unit, string text)
    {
        var limit = new TimeLimit(amount, unit);

        Assert.Equal(text, limit.ToString());
        Assert.Equal(limit, TimeLimit.Parse(text));
    }

    [Theory]
    [InlineData("  4   Working  Days ", 4, TimeLimitUnit.WorkingDays)]
    [InlineData("24 HOURS", 24, TimeLimitUnit.ClockHours)]
    [InlineData("1 minutes", 1, TimeLimitUnit.ClockMinutes)]
    [InlineData("10 calendar day", 10, TimeLimitUnit.CalendarDays)]
    public void Parse_ignores_case_spacing_and_number(string text, int amount, TimeLimitUnit unit) =>
        Assert.Equal(new TimeLimit(amount, unit), TimeLimit.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("4")]
    [InlineData("four working days")]
    [InlineData("4 days")]
    [InlineData("4 business days")]
    [InlineData("4 working")]
    [InlineData("4.5 hours")]
    [InlineData("-1 hours")]
    [InlineData("+4 hours")]
    [InlineData("0 hours")]
    [InlineData("10000 minutes")]
    [InlineData("4 working days please")]
    public void Parse_rejects_anything_else_with_a_message_that_shows_the_accepted_form(string text)
    {
        var ex = Assert.Throws<FormatException>(() => TimeLimit.Parse(text));

        Assert.Contains("is not a time limit", ex.Message);
        Assert.False(TimeLimit.TryParse(text, out _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(TimeLimit.MaxAmount + 1)]
    public void Amount_outside_one_to_max_is_rejected(int amount) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => TimeLimit.WorkingDays(amount));

    [Fact]
    public void Clock_limits_have_a_duration_and_day_limits_do_not()
    {
        Assert.Equal(TimeSpan.FromHours(24), TimeLimit.ClockHours(24).Duration);
        Assert.Equal(TimeSpan.FromMinutes(30), TimeLimit.ClockMinutes(30).Duration);
        Assert.Throws<InvalidOperationException>(() => TimeLimit.WorkingDays(4).Duration);
        Assert.Throws<InvalidOperationException>(() => TimeLimit.CalendarDays(7).Duration);
    }
}
