using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>A completed suspension of a clock: stopped at <paramref name="From"/>, running again from <paramref name="To"/>.</summary>
public sealed record ClockPause(DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// One clock of one case as it is stored: its start, limit and the pauses it went through, from which the current
/// deadline follows. Keeping the pauses (not just the latest due) lets a re-grade or a corrected calendar replay the
/// clock exactly: start with the new limit, then suspend and resume at the same instants.
/// <see cref="Round"/> counts restarts of the same clock (a reopened case needs a new reply).
/// </summary>
public sealed record CaseClock(
    ClockKind Kind,
    int Round,
    DateTimeOffset StartedAt,
    Deadline Deadline,
    DateTimeOffset? SuspendedAt,
    IReadOnlyList<ClockPause> Pauses,
    DateTimeOffset? StoppedAt)
{
    public TimeLimit Limit => Deadline.Limit;

    public bool IsRunning => StoppedAt is null && SuspendedAt is null;

    /// <summary>Until when the clock ran: its suspension, else its stop, else <paramref name="now"/>.</summary>
    public DateTimeOffset RanUntil(DateTimeOffset now) => SuspendedAt ?? StoppedAt ?? now;

    public static CaseClock Start(ClockKind kind, int round, DateTimeOffset at, TimeLimit limit, WorkingDayCalendar calendar, TimeZoneInfo zone) =>
        new(kind, round, at, DeadlineCalculator.Due(at, limit, calendar, zone), null, [], null);

    public CaseClock Suspend(DateTimeOffset at) => IsRunning ? this with { SuspendedAt = at } : this;

    public CaseClock Resume(DateTimeOffset at, WorkingDayCalendar calendar, TimeZoneInfo zone)
    {
        // A stopped clock stays as it stopped, suspension instant included.
        if (SuspendedAt is not { } from || StoppedAt is not null)
            return this;
        var resumed = State(calendar, zone).Resume(at, calendar, zone);
        return this with { SuspendedAt = null, Pauses = [.. Pauses, new ClockPause(from, at)], Deadline = resumed.Deadline };
    }

    /// <summary>The clock's goal was met (or the case closed) at <paramref name="at"/>; a stopped clock never breaches later.
    /// A clock stopped while suspended keeps its suspension instant: it ran only until then.</summary>
    public CaseClock Stop(DateTimeOffset at) => StoppedAt is null ? this with { StoppedAt = at } : this;

    /// <summary>The same clock under another limit (the case was re-graded), replayed through its pauses.</summary>
    public CaseClock WithLimit(TimeLimit limit, WorkingDayCalendar calendar, TimeZoneInfo zone)
    {
        var replayed = Start(Kind, Round, StartedAt, limit, calendar, zone);
        foreach (var pause in Pauses)
            replayed = (replayed with { SuspendedAt = pause.From }).Resume(pause.To, calendar, zone);
        return replayed with { SuspendedAt = SuspendedAt, StoppedAt = StoppedAt };
    }

    /// <summary>Breached when the due instant passed while the clock was still running.</summary>
    public bool IsBreachedAt(DateTimeOffset now) => RanUntil(now) >= Deadline.DueAt;

    /// <summary>Time left at <paramref name="now"/> (frozen while suspended; negative once overdue; as it was when stopped).</summary>
    public TimeSpan RemainingAt(DateTimeOffset now) => Deadline.DueAt - RanUntil(now);

    private ClockState State(WorkingDayCalendar calendar, TimeZoneInfo zone)
    {
        var running = ClockState.Restore(StartedAt, Deadline, null, Pauses.Count > 0 ? Pauses[^1].To : null, Pauses.Count);
        return SuspendedAt is { } at ? running.Suspend(at) : running;
    }
}
