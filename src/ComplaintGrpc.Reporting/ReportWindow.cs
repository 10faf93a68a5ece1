using System.Globalization;

namespace ComplaintGrpc.Reporting;

/// <summary>The local day a report is for and the instants that bound it: the day starts at 00:00 and its cut-off is
/// 24:00 local time (the next day's 00:00).</summary>
public sealed record ReportWindow(DateOnly ReportDate, TimeZoneInfo Zone)
{
    /// <summary>Days counted back for "received in the last N days" (the per-10,000-customers ranking).</summary>
    public const int RateWindowDays = 30;

    /// <summary>Days of the trend chart, ending on the report date.</summary>
    public const int TrendDays = 14;

    public DateTimeOffset DayStart => LocalMidnight(ReportDate);

    public DateTimeOffset CutOff => LocalMidnight(ReportDate.AddDays(1));

    public DateTimeOffset RateWindowStart => LocalMidnight(ReportDate.AddDays(1 - RateWindowDays));

    public string DateText => ReportDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The latest date whose cut-off has passed at <paramref name="now"/>: yesterday, local.</summary>
    public static DateOnly LatestCompleteDate(DateTimeOffset now, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime).AddDays(-1);

    public static bool TryParseDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    private DateTimeOffset LocalMidnight(DateOnly date)
    {
        var local = date.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }
}
