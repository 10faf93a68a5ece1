namespace ComplaintGrpc.Storage;

/// <summary>
/// A value read from the database and held in memory, for data that changes rarely and is read on hot paths (the
/// working-day calendar, the taxonomy versions). Callers get the held value without a read; the first call more than
/// <c>refreshAfter</c> after the last read starts a background re-read it does not wait for (a change made through
/// another process is seen within that interval), and a failed re-read leaves the held value in force.
/// <see cref="Invalidate"/> (a change through this process) makes the next call read at once, and a read that
/// started before it never puts its older value back.
/// </summary>
public sealed class RefreshingSnapshot<T>(Func<CancellationToken, Task<T>> read, TimeProvider clock, TimeSpan refreshAfter,
    Action<Exception> refreshFailed) where T : class
{
    private sealed record Held(T Value, DateTimeOffset ReadAt);

    // One reference, swapped whole: readers on other threads never see half of it.
    private volatile Held? _held;
    private int _refreshing;
    private int _generation;

    public async Task<T> GetAsync(CancellationToken ct)
    {
        if (_held is not { } held)
            return await ReadAsync(ct);
        if (clock.GetUtcNow() - held.ReadAt >= refreshAfter && Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0)
            _ = RefreshAsync();
        return held.Value;
    }

    /// <summary>Reads now, holding what it read unless <see cref="Invalidate"/> came in between.</summary>
    public async Task<T> ReadAsync(CancellationToken ct)
    {
        var generation = Volatile.Read(ref _generation);
        var value = await read(ct);
        if (generation == Volatile.Read(ref _generation))
            _held = new Held(value, clock.GetUtcNow());
        return value;
    }

    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _held = null;
    }

    private async Task RefreshAsync()
    {
        try
        {
            await ReadAsync(CancellationToken.None);
        }
        catch (Exception ex) // any failure: reported, and the value in memory stays; nothing awaits this task
        {
            refreshFailed(ex);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }
}
