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

    private readonly RefreshingSnapshot<IReadOnlyList<Entry>> _versions = new(ct => ReadAsync(db, ct), clock, RefreshAfter, e => LogRefreshFailed(logger, e));

    public static Entry ShippedEntry { get; } = new(ComplaintTaxonomy.Shipped, DateTimeOffset.MinValue, null, "");

    /// <summary>Every version, newest first.</summary>
    public Task<IReadOnlyList<Entry>> VersionsAsync(CancellationToken ct) => _versions.GetAsync(ct);

    /// <summary>The version new cases are filed under at <paramref name="at"/>: the newest one in effect by then.</summary>
    public async Task<Entry> CurrentAsync(DateTimeOffset at, CancellationToken ct) => Current(await VersionsAsync(ct), at);

    public static Entry Current(IReadOnlyList<Entry> newestFirst, DateTimeOffset at) =>
        newestFirst.FirstOrDefault(v => v.EffectiveAt <= at) ?? ShippedEntry;

    /// <summary>Version <paramref name="version"/>, or null when there is none.</summary>
    public async Task<Entry?> VersionAsync(int version, CancellationToken ct)
    {
        var found = (await VersionsAsync(ct)).FirstOrDefault(v => v.Taxonomy.Version == version);
        if (found is null && version > ComplaintTaxonomy.ShippedVersion)
            found = (await _versions.ReadAsync(ct)).FirstOrDefault(v => v.Taxonomy.Version == version);
        return found;
    }

    public void Invalidate() => _versions.Invalidate();

    private static async Task<IReadOnlyList<Entry>> ReadAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<(int Version, string Document, DateTime EffectiveAt, DateTime LoadedAt, string LoadedBy)>(new CommandDefinition(
            "SELECT version, document::text, effective_at, loaded_at, loaded_by FROM taxonomy_versions ORDER BY version DESC", cancellationToken: ct));
        return [.. rows.Select(r => new Entry(ComplaintTaxonomy.FromJson(r.Version, r.Document),
            r.EffectiveAt.AsUtc(), r.LoadedAt.AsUtc(), r.LoadedBy)), ShippedEntry];
    }

    [LoggerMessage(EventId = 3470, Level = LogLevel.Warning, Message = "Re-reading the taxonomy versions failed; the versions in memory stay in force")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
