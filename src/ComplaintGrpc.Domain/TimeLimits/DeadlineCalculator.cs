namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>
/// Pure deadline arithmetic. The semantics (also in README.md next to this file):
/// <list type="bullet">
/// <item>Clock hours and minutes run 24/7: due = start + duration.</item>
/// <item>"N working days" ends at 24:00 local time of the N-th working day after the local date of the start;
/// the start day never counts, whatever the hour.</item>
/// <item>"N calendar days" ends at 24:00 local time of the N-th calendar day after the local date of the start.</item>
/// </list>
/// "Local" is the zone passed in, Asia/Shanghai when none is. Nothing here reads a clock.
/// </summary>
public static class DeadlineCalculator
{
    /// <summary>Asia/Shanghai (UTC+8, no daylight saving), the default zone of every unit.</summary>
    public static TimeZoneInfo DefaultZone { get; } = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    /// <summary>When <paramref name="limit"/>, started at <paramref name="start"/>, runs out.</summary>
    /// <example>Start Tue 2026-09-29 10:00 +08:00, 4 working days: Sep 30, Oct 8, Oct 9, Oct 10 (a make-up Saturday),
    /// so due 2026-10-11 00:00 +08:00.</example>
    public static Deadline Due(DateTimeOffset start, TimeLimit limit, WorkingDayCalendar calendar, TimeZoneInfo? zone = null)
    {
        ArgumentNullException.ThrowIfNull(limit);
        ArgumentNullException.ThrowIfNull(calendar);
        zone ??= DefaultZone;
        return limit.Unit switch
        {
            TimeLimitUnit.ClockHours or TimeLimitUnit.ClockMinutes =>
                new Deadline(TimeZoneInfo.ConvertTime(start + limit.Duration, zone), limit, CalendarCovered: true),
            TimeLimitUnit.CalendarDays =>
                new Deadline(EndOfDay(LocalDate(start, zone).AddDays(limit.Amount), zone), limit, CalendarCovered: true),
            _ => DueAfterWorkingDays(LocalDate(start, zone), limit.Amount, limit, calendar, zone, covered: true),
        };
    }

    /// <summary>
    /// What is left of <paramref name="deadline"/> at <paramref name="at"/>: for clock limits the duration up to
    /// the due instant; for day-based limits the counted days (working days for a working-day limit, every day for
    /// a calendar-day limit) strictly after the local date of <paramref name="at"/> up to and including the due day.
    /// Breached (nothing left) from the due instant on.
    /// </summary>
    public static RemainingTime RemainingAt(Deadline deadline, DateTimeOffset at, WorkingDayCalendar calendar, TimeZoneInfo? zone = null)
    {
        ArgumentNullException.ThrowIfNull(deadline);
        ArgumentNullException.ThrowIfNull(calendar);
        zone ??= DefaultZone;
        var unit = deadline.Limit.Unit;
        var duration = deadline.DueAt - at;
        if (duration <= TimeSpan.Zero || !deadline.Limit.IsDayBased)
        {
            return new RemainingTime(unit, duration, days: 0, calendarCovered: true);
        }

        var today = LocalDate(at, zone);
        // A day-based deadline ends at a local midnight, so the due day is the date just before it.
        var dueDay = LocalDate(deadline.DueAt.AddTicks(-1), zone);
        if (unit == TimeLimitUnit.CalendarDays)
        {
            return new RemainingTime(unit, duration, dueDay.DayNumber - today.DayNumber, calendarCovered: true);
        }

        var (count, covered) = calendar.CountWorkingDays(today, dueDay);
        return new RemainingTime(unit, duration, count, covered);
    }

    /// <summary>
    /// The deadline after a suspension (挂起) from <paramref name="suspendedAt"/> to <paramref name="resumedAt"/>:
    /// <list type="bullet">
    /// <item>Clock limits: the remaining duration runs again from the resume instant (due moves by the pause).</item>
    /// <item>Day-based limits: with R = <see cref="RemainingAt"/> at the suspension, due = 24:00 local of the R-th counted
    /// day after the local date of the resume (R = 0: the end of the resume day). The resume day, like the acceptance
    /// day, never counts, so a suspension and resume on the same day leaves the due unchanged.</item>
    /// <item>Suspended at or after the due instant: the breach stands and the deadline is returned unchanged;
    /// a suspension can pause a clock, not undo a breach.</item>
    /// </list>
    /// <see cref="Deadline.CalendarCovered"/> stays false once any step relied on an uncovered year.
    /// </summary>
    public static Deadline Resume(Deadline suspended, DateTimeOffset suspendedAt, DateTimeOffset resumedAt, WorkingDayCalendar calendar, TimeZoneInfo? zone = null)
    {
        ArgumentNullException.ThrowIfNull(suspended);
        ArgumentNullException.ThrowIfNull(calendar);
        if (resumedAt < suspendedAt)
        {
            throw new ArgumentOutOfRangeException(nameof(resumedAt), resumedAt, $"A clock cannot resume before it was suspended ({suspendedAt:O}).");
        }

        zone ??= DefaultZone;
        var remaining = RemainingAt(suspended, suspendedAt, calendar, zone);
        if (remaining.IsBreached)
        {
            return suspended;
        }

        var covered = suspended.CalendarCovered && remaining.CalendarCovered;
        var resumeDay = LocalDate(resumedAt, zone);
        return suspended.Limit.Unit switch
        {
            TimeLimitUnit.ClockHours or TimeLimitUnit.ClockMinutes =>
                suspended with { DueAt = TimeZoneInfo.ConvertTime(resumedAt + remaining.Duration, zone), CalendarCovered = covered },
            TimeLimitUnit.CalendarDays =>
                suspended with { DueAt = EndOfDay(resumeDay.AddDays(remaining.Days), zone), CalendarCovered = covered },
            _ => DueAfterWorkingDays(resumeDay, remaining.Days, suspended.Limit, calendar, zone, covered),
        };
    }

    /// <summary>The local calendar date of an instant.</summary>
    public static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);
    }

    /// <summary>
    /// 24:00 local time of <paramref name="date"/>, i.e. the start of the next day. Where a daylight-saving jump skips
    /// local midnight the day starts when the clocks resume; where midnight occurs twice, the earlier one is taken.
    /// </summary>
    public static DateTimeOffset EndOfDay(DateOnly date, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = date.AddDays(1).ToDateTime(TimeOnly.MinValue);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }

    private static Deadline DueAfterWorkingDays(DateOnly after, int count, TimeLimit limit, WorkingDayCalendar calendar, TimeZoneInfo zone, bool covered)
    {
        var (day, countCovered) = calendar.AddWorkingDays(after, count);
        return new Deadline(EndOfDay(day, zone), limit, covered && countCovered);
    }
}
