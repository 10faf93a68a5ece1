namespace ComplaintGrpc.Domain.Analysis;

/// <summary>
/// The windows a hotspot flag counts complaints in: consecutive, non-overlapping runs of <c>days</c> local days in a
/// time zone, the first starting at 00:00 on Monday 2000-01-03 (so 7-day windows are Monday-to-Sunday weeks). Fixed
/// windows give every flag one key (area and window start), which is what lets it be raised once; the price is that a
/// burst split by a window boundary is counted in two windows.
/// </summary>
public sealed record FlagWindow(DateTimeOffset Start, DateTimeOffset End)
{
    private static readonly DateOnly Anchor = new(2000, 1, 3);

    /// <summary>The window containing the instant <paramref name="at"/>.</summary>
    public static FlagWindow Containing(DateTimeOffset at, int days, TimeZoneInfo zone)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(days, 1);
        var localDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
        var offset = localDate.DayNumber - Anchor.DayNumber;
        var index = offset >= 0 ? offset / days : (offset - days + 1) / days;
        var start = Anchor.AddDays(index * days);
        return new FlagWindow(LocalMidnight(start, zone), LocalMidnight(start.AddDays(days), zone));
    }

    /// <summary>The window just before this one.</summary>
    public FlagWindow Previous(int days, TimeZoneInfo zone) => Containing(Start.AddTicks(-1), days, zone);

    private static DateTimeOffset LocalMidnight(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue);
        // A zone that skips midnight on a DST change starts that day at the first valid local time.
        while (zone.IsInvalidTime(local))
            local = local.AddMinutes(30);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }
}
