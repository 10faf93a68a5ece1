namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>
/// One time-limit clock of a case: running towards <see cref="Deadline"/>, or suspended (挂起) since
/// <see cref="SuspendedAt"/>. Immutable: <see cref="Suspend"/> and <see cref="Resume"/> return new values.
/// </summary>
/// <remarks>
/// Suspension semantics (see <see cref="DeadlineCalculator.Resume"/> and README.md):
/// clock limits keep their remaining duration; day-based limits keep the counted days strictly after the
/// suspension date up to the due day and count them again after the resume date; a clock suspended at or after
/// its due instant stays breached with its original due. Any number of suspensions may follow one another.
/// While suspended, <see cref="Deadline"/> still holds the due that was running, for display ("was due …").
/// The state is small enough to store as is; replaying the start, suspend and resume instants through these
/// methods against a newer calendar recomputes it.
/// </remarks>
public sealed record ClockState
{
    private ClockState(DateTimeOffset startedAt, Deadline deadline, DateTimeOffset? suspendedAt, DateTimeOffset? resumedAt, int suspensions)
    {
        StartedAt = startedAt;
        Deadline = deadline;
        SuspendedAt = suspendedAt;
        ResumedAt = resumedAt;
        Suspensions = suspensions;
    }

    /// <summary>When the clock started (its start event, e.g. receipt or reply).</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>The current deadline; while suspended, the one that was running when the clock stopped.</summary>
    public Deadline Deadline { get; }

    public TimeLimit Limit => Deadline.Limit;

    /// <summary>When the current suspension began; null while running.</summary>
    public DateTimeOffset? SuspendedAt { get; }

    /// <summary>When the last suspension ended; null if never resumed.</summary>
    public DateTimeOffset? ResumedAt { get; }

    /// <summary>How many suspensions have begun.</summary>
    public int Suspensions { get; }

    public bool IsSuspended => SuspendedAt is not null;

    /// <summary>Starts a clock for <paramref name="limit"/> at <paramref name="at"/>.</summary>
    public static ClockState Start(DateTimeOffset at, TimeLimit limit, WorkingDayCalendar calendar, TimeZoneInfo? zone = null) =>
        new(at, DeadlineCalculator.Due(at, limit, calendar, zone), suspendedAt: null, resumedAt: null, suspensions: 0);

    /// <summary>Rebuilds a stored state exactly as it was; for the storage layer.</summary>
    public static ClockState Restore(DateTimeOffset startedAt, Deadline deadline, DateTimeOffset? suspendedAt, DateTimeOffset? resumedAt, int suspensions)
    {
        ArgumentNullException.ThrowIfNull(deadline);
        ArgumentOutOfRangeException.ThrowIfNegative(suspensions);
        return new(startedAt, deadline, suspendedAt, resumedAt, suspensions);
    }

    /// <summary>Stops the clock at <paramref name="at"/>. What is left is fixed by the instant (see <see cref="Remaining"/>).</summary>
    /// <exception cref="InvalidOperationException">The clock is already suspended.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="at"/> is before the clock last started running.</exception>
    public ClockState Suspend(DateTimeOffset at)
    {
        if (IsSuspended)
        {
            throw new InvalidOperationException($"The clock has been suspended since {SuspendedAt:O}; resume it first.");
        }

        var runningSince = ResumedAt ?? StartedAt;
        if (at < runningSince)
        {
            throw new ArgumentOutOfRangeException(nameof(at), at, $"A clock cannot be suspended before it was running ({runningSince:O}).");
        }

        return new(StartedAt, Deadline, at, ResumedAt, Suspensions + 1);
    }

    /// <summary>Restarts a suspended clock at <paramref name="at"/> with what was left when it stopped.</summary>
    /// <exception cref="InvalidOperationException">The clock is not suspended.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="at"/> is before the suspension.</exception>
    public ClockState Resume(DateTimeOffset at, WorkingDayCalendar calendar, TimeZoneInfo? zone = null)
    {
        if (SuspendedAt is not { } suspendedAt)
        {
            throw new InvalidOperationException("The clock is running; only a suspended clock can be resumed.");
        }

        var deadline = DeadlineCalculator.Resume(Deadline, suspendedAt, at, calendar, zone);
        return new(StartedAt, deadline, suspendedAt: null, resumedAt: at, Suspensions);
    }

    /// <summary>What is left: frozen at the suspension instant while suspended; otherwise at <paramref name="now"/>.</summary>
    public RemainingTime Remaining(DateTimeOffset now, WorkingDayCalendar calendar, TimeZoneInfo? zone = null) =>
        DeadlineCalculator.RemainingAt(Deadline, SuspendedAt ?? now, calendar, zone);

    /// <summary>
    /// Whether the limit has been exceeded: for a running clock, <paramref name="now"/> is at or after the due
    /// instant; for a suspended one, it was suspended at or after it (a paused clock does not run out).
    /// </summary>
    public bool IsBreachedAt(DateTimeOffset now) => Deadline.IsBreachedAt(SuspendedAt ?? now);

    /// <inheritdoc cref="IsBreachedAt"/>
    public bool IsBreached(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return IsBreachedAt(time.GetUtcNow());
    }
}
