using System.Globalization;

namespace ComplaintGrpc.Reporting;

/// <summary>A calendar month of the monthly analysis report in the report time zone: it starts at 00:00 local of its
/// first day and its cut-off is 00:00 local of the next month's first day.</summary>
public sealed record AnalysisMonth(int Year, int Month, TimeZoneInfo Zone)
{
    public DateOnly FirstDay => new(Year, Month, 1);

    public DateTimeOffset Start => LocalMidnight(FirstDay);

    public DateTimeOffset CutOff => LocalMidnight(FirstDay.AddMonths(1));

    public string Text => FirstDay.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>The month before (the month-on-month base, 环比).</summary>
    public AnalysisMonth Previous => Of(FirstDay.AddMonths(-1), Zone);

    /// <summary>The same month of the previous year (the year-on-year base, 同比).</summary>
    public AnalysisMonth YearBefore => Of(FirstDay.AddYears(-1), Zone);

    public static AnalysisMonth Of(DateOnly day, TimeZoneInfo zone) => new(day.Year, day.Month, zone);

    /// <summary>The month before the local month of <paramref name="instant"/>: what a run on the 1st reports on.</summary>
    public static AnalysisMonth Before(DateTimeOffset instant, TimeZoneInfo zone) =>
        Of(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime), zone).Previous;

    /// <summary>"yyyy-MM", years 2000 to 2200 (complaints exist from 2000 on).</summary>
    public static bool TryParse(string text, TimeZoneInfo zone, out AnalysisMonth month)
    {
        month = null!;
        if (!DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) || day.Year is < 2000 or > 2200)
            return false;
        month = Of(day, zone);
        return true;
    }

    private DateTimeOffset LocalMidnight(DateOnly date)
    {
        var local = date.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }
}
