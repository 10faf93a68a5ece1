namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>
/// When a time limit runs out. <see cref="DueAt"/> is the first instant at which the limit is exceeded
/// (for day-based limits, 24:00 local time of the last day), expressed in the local offset of the zone it was
/// computed for: work done strictly before it is on time.
/// </summary>
/// <param name="DueAt">The instant the limit runs out.</param>
/// <param name="Limit">The limit that was applied.</param>
/// <param name="CalendarCovered">
/// False when a working-day count stepped over a date in a year the calendar does not cover, so plain
/// Monday–Friday was assumed: show the deadline as provisional and recompute once that year is loaded.
/// Clock and calendar-day limits never consult the working-day calendar and are always covered.
/// </param>
public sealed record Deadline(DateTimeOffset DueAt, TimeLimit Limit, bool CalendarCovered)
{
    /// <summary>Whether the limit has run out at <paramref name="now"/> (true from <see cref="DueAt"/> on).</summary>
    public bool IsBreachedAt(DateTimeOffset now) => now >= DueAt;
}
