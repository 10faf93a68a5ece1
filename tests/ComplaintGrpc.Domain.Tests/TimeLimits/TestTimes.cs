using System.Globalization;

namespace ComplaintGrpc.Domain.Tests.TimeLimits;

/// <summary>Short helpers for readable instants and dates in the time-limit tests.</summary>
internal static class TestTimes
{
    public static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture);

    public static DateOnly Day(string iso) => DateOnly.ParseExact(iso, "yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>24:00 Beijing time of <paramref name="day"/>.</summary>
    public static DateTimeOffset EndOfDayBeijing(string day) =>
        new(Day(day).AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8));
}

/// <summary>
/// The 2025 and 2026 State Council dates as written in the domain reference, typed here independently of the
/// shipped JSON files so that the tests check the files against the source.
/// </summary>
internal static class OfficialDates
{
    public static readonly (string From, string To)[] Holidays2025 =
    [
        ("2025-01-01", "2025-01-01"), ("2025-01-28", "2025-02-04"), ("2025-04-04", "2025-04-06"),
        ("2025-05-01", "2025-05-05"), ("2025-05-31", "2025-06-02"), ("2025-10-01", "2025-10-08"),
    ];

    public static readonly string[] MakeUp2025 = ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"];

    public static readonly (string From, string To)[] Holidays2026 =
    [
        ("2026-01-01", "2026-01-03"), ("2026-02-15", "2026-02-23"), ("2026-04-04", "2026-04-06"),
        ("2026-05-01", "2026-05-05"), ("2026-06-19", "2026-06-21"), ("2026-09-25", "2026-09-27"),
        ("2026-10-01", "2026-10-07"),
    ];

    public static readonly string[] MakeUp2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"];

    public static HashSet<DateOnly> Expand((string From, string To)[] ranges)
    {
        var days = new HashSet<DateOnly>();
        foreach (var (from, to) in ranges)
        {
            for (var d = TestTimes.Day(from); d <= TestTimes.Day(to); d = d.AddDays(1))
            {
                days.Add(d);
            }
        }

        return days;
    }
}
