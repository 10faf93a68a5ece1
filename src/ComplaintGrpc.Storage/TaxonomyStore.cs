using ComplaintGrpc.Domain;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ComplaintGrpc.Storage;

/// <summary>
/// Every taxonomy version, the shipped one and those administrators loaded into <c>taxonomy_versions</c>, held in
/// memory: a submit picks the current version from memory, with no read of the table (versions are few and never
/// change once stored). A load through this process is seen at once (<see cref="Invalidate"/>); a load through
/// another process within <see cref="RefreshAfter"/>, by a background re-read that the first call after that
/// interval starts and does not wait for. A version asked for by number that memory lacks (loaded elsewhere moments
/// ago) is read at once.
/// </summary>
public sealed partial class TaxonomyStore(NpgsqlDataSource db, TimeProvider clock, ILogger<TaxonomyStore> logger)
{
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(30);

    /// <summary>A version and from when new cases are filed under it (MinValue for the shipped one).</summary>
    public sealed record Entry(ComplaintTaxonomy Taxonomy, DateTimeOffset EffectiveAt, DateTimeOffset? LoadedAt, string LoadedBy);

    // One reference, swapped whole: readers on other threads never see half of it.
    private volatile Snapshot? _cached;
    private int _refreshing;
    // Bumped by Invalidate: a read that started before it does not put its older rows back into memory.
    private int _generation;

    private sealed record Snapshot(IReadOnlyList<Entry> Versions, DateTimeOffset ReadAt);

    public static Entry ShippedEntry { get; } = new(ComplaintTaxonomy.Shipped, DateTimeOffset.MinValue, null, "");

    /// <summary>Every version, newest first.</summary>
    public async Task<IReadOnlyList<Entry>> VersionsAsync(CancellationToken ct)
    {
        if (_cached is not { } c)
            return (await LoadAsync(ct)).Versions;
        if (clock.GetUtcNow() - c.ReadAt >= RefreshAfter && Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0)
            _ = RefreshAsync();
        return c.Versions;
    }

    /// <summary>The version new cases are filed under at <paramref name="at"/>: the newest one in effect by then.</summary>
    public async Task<Entry> CurrentAsync(DateTimeOffset at, CancellationToken ct) => Current(await VersionsAsync(ct), at);

    public static Entry Current(IReadOnlyList<Entry> newestFirst, DateTimeOffset at) =>
        newestFirst.FirstOrDefault(v => v.EffectiveAt <= at) ?? ShippedEntry;

    /// <summary>Version <paramref name="version"/>, or null when there is none.</summary>
    public async Task<Entry?> VersionAsync(int version, CancellationToken ct)
    {
        var found = (await VersionsAsync(ct)).FirstOrDefault(v => v.Taxonomy.Version == version);
        if (found is null && version > ComplaintTaxonomy.ShippedVersion)
            found = (await LoadAsync(ct)).Versions.FirstOrDefault(v => v.Taxonomy.Version == version);
        return found;
    }

    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _cached = null;
    }

    private async Task<Snapshot> LoadAsync(CancellationToken ct)
    {
        var generation = Volatile.Read(ref _generation);
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(int Version, string Document, DateTime EffectiveAt, DateTime LoadedAt, string LoadedBy)>(new CommandDefinition(
            "SELECT version, document::text, effective_at, loaded_at, loaded_by FROM taxonomy_versions ORDER BY version DESC", cancellationToken: ct));
        List<Entry> versions = [.. rows.Select(r => new Entry(ComplaintTaxonomy.FromJson(r.Version, r.Document),
            r.EffectiveAt.AsUtc(), r.LoadedAt.AsUtc(), r.LoadedBy)), ShippedEntry];
        var snapshot = new Snapshot(versions, clock.GetUtcNow());
        if (generation == Volatile.Read(ref _generation))
            _cached = snapshot;
        return snapshot;
    }

    /// <summary>Re-reads in the background; on failure the versions in memory stay in force and the next call after
    /// the interval tries again.</summary>
    private async Task RefreshAsync()
    {
        try
        {
            await LoadAsync(CancellationToken.None);
        }
        catch (Exception ex) // any failure: logged, and the versions in memory stay; nothing awaits this task
        {
            LogRefreshFailed(logger, ex);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    [LoggerMessage(EventId = 3470, Level = LogLevel.Warning, Message = "Re-reading the taxonomy versions failed; the versions in memory stay in force")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
