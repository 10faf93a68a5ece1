namespace ComplaintGrpc.Server.Internal;

/// <summary>
/// Tracks database outage episodes across all calls of this process, so that an outage is logged once rather than once
/// per call: the first failed call opens an episode (and is logged with its cause by the caller), later failures are
/// only counted, and the first call that started after the episode opened and then completed closes it. A call that
/// was already running when the database went away does not close the episode by finishing.
/// </summary>
internal sealed class DatabaseOutages(TimeProvider clock)
{
    private readonly Lock _gate = new();
    private long _openedAt;
    private int _failedCalls;

    // Read without the lock on every successful call; the lock is taken only while an episode is open.
    private volatile bool _open;

    /// <summary>A timestamp to pass to <see cref="Answered"/> when the call completes.</summary>
    public long CallStarted() => clock.GetTimestamp();

    /// <summary>Counts a call the database failed; true when it opens an episode (the caller logs it then).</summary>
    public bool Failed()
    {
        lock (_gate)
        {
            if (++_failedCalls > 1)
                return false;
            _openedAt = clock.GetTimestamp();
            _open = true;
            return true;
        }
    }

    /// <summary>Closes the open episode when the completed call started after it opened; returns the episode then.</summary>
    public (int FailedCalls, TimeSpan Lasted)? Answered(long callStarted)
    {
        if (!_open)
            return null;
        lock (_gate)
        {
            if (!_open || callStarted < _openedAt)
                return null;
            var episode = (_failedCalls, clock.GetElapsedTime(_openedAt));
            (_failedCalls, _open) = (0, false);
            return episode;
        }
    }
}
