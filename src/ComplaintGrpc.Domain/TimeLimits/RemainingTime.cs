using System.Globalization;

namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>
/// What is left of a limit at some instant, in the limit's own unit (see <see cref="DeadlineCalculator.RemainingAt"/>).
/// </summary>
public sealed record RemainingTime
{
    internal RemainingTime(TimeLimitUnit unit, TimeSpan duration, int days, bool calendarCovered)
    {
        Unit = unit;
        Duration = duration;
        Days = days;
        CalendarCovered = calendarCovered;
    }

    /// <summary>The unit of the limit this is a remainder of.</summary>
    public TimeLimitUnit Unit { get; }

    /// <summary>
    /// Elapsed time from the instant to the due instant. For clock limits this is the remainder; for any limit
    /// it is zero or negative once breached (how late it is).
    /// </summary>
    public TimeSpan Duration { get; }

    /// <summary>
    /// For day-based limits: the counted days (working or calendar, as the limit says) strictly after the
    /// instant's local date up to and including the due day. Zero means only the rest of the current day is
    /// left. Always zero for clock limits and once breached.
    /// </summary>
    public int Days { get; }

    /// <summary>The limit had run out at the instant.</summary>
    public bool IsBreached => Duration <= TimeSpan.Zero;

    /// <summary>False when the day count stepped over a year the working-day calendar does not cover.</summary>
    public bool CalendarCovered { get; }

    /// <summary>"2 working days", "3 calendar days", "5 hours 20 minutes", or "breached".</summary>
    public override string ToString()
    {
        if (IsBreached)
        {
            return "breached";
        }

        return Unit switch
        {
            TimeLimitUnit.WorkingDays => string.Create(CultureInfo.InvariantCulture, $"{Days} working day{(Days == 1 ? "" : "s")}"),
            TimeLimitUnit.CalendarDays => string.Create(CultureInfo.InvariantCulture, $"{Days} calendar day{(Days == 1 ? "" : "s")}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{(int)Duration.TotalHours} hours {Duration.Minutes} minutes"),
        };
    }
}
