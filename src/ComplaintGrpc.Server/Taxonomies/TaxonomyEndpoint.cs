using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.Intake;
using ComplaintGrpc.Server.Evaluation;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Npgsql;

namespace ComplaintGrpc.Server.Taxonomies;

/// <summary>
/// complaints.v1.TaxonomyService (投诉分类). A load is validated whole before anything is written, then numbered one
/// above the newest stored version under a table lock, so concurrent loads get distinct, gapless numbers. Versions are
/// never changed afterwards: a case's version number alone fixes its classification and names.
/// </summary>
public sealed class TaxonomyEndpoint(NpgsqlDataSource db, TaxonomyStore taxonomies, TimeProvider clock) : TaxonomyService.TaxonomyServiceBase
{
    private const int MaxVersionsPage = 50;

    [Authorize(Roles = Roles.Administrator)]
    public override async Task<TaxonomyVersion> LoadTaxonomy(LoadTaxonomyRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var now = clock.GetUtcNow();
        if (request.EffectiveTime is { } t && !ComplaintIntake.IsValidTimestamp(t))
            throw DomainException.Invalid("effective_time", "is not a valid timestamp");
        var document = ComplaintTaxonomy.Parse(request, version: 0);
        // A time in the past means at once: a version never applies to cases filed before it was loaded.
        var effectiveAt = request.EffectiveTime is { } e && e.ToDateTimeOffset() > now ? e.ToDateTimeOffset() : now;

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("LOCK TABLE taxonomy_versions IN EXCLUSIVE MODE", transaction: tx, cancellationToken: ct));
        var version = await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            INSERT INTO taxonomy_versions (version, document, effective_at, loaded_at, loaded_by)
            SELECT COALESCE(max(version), 1) + 1, @document::jsonb, @effectiveAt, @now, @actor FROM taxonomy_versions
            RETURNING version
            """, new { document = document.ToJson(), effectiveAt = effectiveAt.UtcDateTime, now = now.UtcDateTime, actor = Caller.Of(context).Actor },
            tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        taxonomies.Invalidate();

        var stored = await taxonomies.VersionAsync(version, ct)
            ?? throw new InvalidOperationException($"Taxonomy version {version} was stored but cannot be read back.");
        return ToContract(stored, TaxonomyStore.Current(await taxonomies.VersionsAsync(ct), clock.GetUtcNow()));
    }

    [Authorize(Roles = Roles.Everyone)]
    public override async Task<TaxonomyVersion> GetTaxonomy(GetTaxonomyRequest request, ServerCallContext context)
    {
        if (request.Version < 0)
            throw DomainException.Invalid("version", "must be a version number (0: the current version)");
        var current = await taxonomies.CurrentAsync(clock.GetUtcNow(), context.CancellationToken);
        if (request.Version == 0)
            return ToContract(current, current);
        var found = await taxonomies.VersionAsync(request.Version, context.CancellationToken)
            ?? throw DomainException.NotFound("TAXONOMY_VERSION_NOT_FOUND", $"No taxonomy version {request.Version}.");
        return ToContract(found, current);
    }

    [Authorize(Roles = Roles.Everyone)]
    public override async Task<ListTaxonomyVersionsResponse> ListTaxonomyVersions(ListTaxonomyVersionsRequest request, ServerCallContext context)
    {
        var size = PageToken.Size(request.PageSize, MaxVersionsPage);
        var after = KeyPageToken.Decode(request, request.PageToken, ClearPaging);
        var below = int.MaxValue;
        if (after.Length > 0 && !int.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out below))
            throw DomainException.Invalid("page_token", "is not a token from this list");
        var versions = await taxonomies.VersionsAsync(context.CancellationToken);
        var current = TaxonomyStore.Current(versions, clock.GetUtcNow());
        var rows = versions.Where(v => v.Taxonomy.Version < below).Take(size + 1).ToList();
        var (page, next) = KeyPageToken.Page(rows, size, v => v.Taxonomy.Version.ToString(CultureInfo.InvariantCulture), request, ClearPaging);
        return new ListTaxonomyVersionsResponse { Versions = { page.Select(v => ToContract(v, current)) }, NextPageToken = next };

        static void ClearPaging(ListTaxonomyVersionsRequest r) { r.PageSize = 0; r.PageToken = ""; }
    }

    private static TaxonomyVersion ToContract(TaxonomyStore.Entry entry, TaxonomyStore.Entry current)
    {
        var t = entry.Taxonomy;
        var shipped = t.Version == ComplaintTaxonomy.ShippedVersion;
        return new TaxonomyVersion
        {
            Version = t.Version,
            Source = t.Source,
            Categories = { t.Categories.Select(c => new TaxonomyCategory { Code = c.Code, Name = c.Name, ShippedCategory = c.Shipped }) },
            SubCategories =
            {
                t.SubCategories.Select(s => new TaxonomySubCategory { Code = s.Code, Name = s.Name, CategoryCode = s.CategoryCode, ShippedSubCategory = s.Shipped }),
            },
            EffectiveTime = shipped ? null : Timestamp.FromDateTimeOffset(entry.EffectiveAt),
            LoadTime = entry.LoadedAt is { } l ? Timestamp.FromDateTimeOffset(l) : null,
            LoadedBy = entry.LoadedBy,
            Origin = shipped ? "shipped" : "loaded",
            Current = t.Version == current.Taxonomy.Version,
        };
    }
}
