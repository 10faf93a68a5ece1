using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.Intake;
using ComplaintGrpc.Reporting.Hotspots;
using ComplaintGrpc.Server.Evaluation;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Reports;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage;
using Dapper;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Npgsql;

namespace ComplaintGrpc.Server.Analysis;

/// <summary>complaints.v1.AnalysisService: hotspot rankings, their GeoJSON map and the hotspot flags, each computed over
/// the cases the caller may see (<see cref="CaseScope"/>).</summary>
public sealed class AnalysisEndpoint(NpgsqlDataSource db) : AnalysisService.AnalysisServiceBase
{
    private const int MaxPeriodDays = 366;
    private const double MinCellSize = 0.001, MaxCellSize = 1;

    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task<GetHotspotsResponse> GetHotspots(GetHotspotsRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().Enum("grain", request.Grain);
        var cellSize = CellSize(v, request.CellSizeDegrees);
        var size = PageSizeOrInvalid(v, request.PageSize);
        var criteria = Criteria(v, request.Filter, Caller.Of(context));
        var after = Decode(KeyPageToken.Decode(request, request.PageToken, ClearPaging));

        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        await RequireUnitAsync(connection, criteria.UnitId, context.CancellationToken);
        var rows = await HotspotQuery.RankAsync(connection, criteria, request.Grain, cellSize, after, size + 1, context.CancellationToken);
        var (page, next) = KeyPageToken.Page(rows, size, r => Encode(r.Position), request, ClearPaging);
        return new GetHotspotsResponse
        {
            Hotspots = { page.Select(r => r.ToContract(cellSize)) },
            NextPageToken = next,
            PreviousStartTime = criteria.PreviousFrom.UtcDateTime.AsTimestamp(),
            PreviousEndTime = criteria.From.UtcDateTime.AsTimestamp(),
        };
    }

    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task DownloadHotspots(DownloadHotspotsRequest request, IServerStreamWriter<ReportChunk> responseStream, ServerCallContext context)
    {
        var v = new RequestValidator().Enum("shape", request.Shape);
        var cellSize = CellSize(v, request.CellSizeDegrees);
        var criteria = Criteria(v, request.Filter, Caller.Of(context));
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        await RequireUnitAsync(connection, criteria.UnitId, context.CancellationToken);

        var shape = request.Shape == HotspotMapShape.Points ? "points" : "cells";
        var fileName = $"hotspots-{shape}-{criteria.From.UtcDateTime.ToString("yyyyMMdd'T'HHmm'Z'", CultureInfo.InvariantCulture)}-{criteria.To.UtcDateTime.ToString("yyyyMMdd'T'HHmm'Z'", CultureInfo.InvariantCulture)}.geojson";
        await using var chunks = new ChunkStream(responseStream, fileName, HotspotMap.ContentType, context.CancellationToken);
        if (request.Shape == HotspotMapShape.Points)
            await HotspotMap.WritePointsAsync(connection, criteria, chunks, context.CancellationToken);
        else
            await HotspotMap.WriteCellsAsync(connection, criteria, cellSize, chunks, context.CancellationToken);
        await chunks.FlushAsync(context.CancellationToken);
    }

    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task<ListHotspotFlagsResponse> ListHotspotFlags(ListHotspotFlagsRequest request, ServerCallContext context)
    {
        var v = new RequestValidator()
            .Identifier("unit_id", request.UnitId, RequestValidator.UnitIdPattern(), "an existing unit id or empty", required: false);
        var size = PageSizeOrInvalid(v, request.PageSize);
        v.ThrowIfInvalid();
        var after = KeyPageToken.Decode(request, request.PageToken, ClearPaging) is { Length: > 0 } key ? FlagPosition.Parse(key) : null;
        var caller = Caller.Of(context);
        var scopeUnit = caller.Is(Roles.Administrator) || caller.Is(Roles.Auditor) ? null : caller.UnitId;
        var unitId = request.UnitId.Length == 0 ? null : request.UnitId;

        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        await RequireUnitAsync(connection, unitId, context.CancellationToken);
        var rows = (await connection.QueryAsync<FlagRow>(new CommandDefinition("""
            SELECT f.id, f.grain, f.area, f.unit_id, f.window_start, f.window_end, f.case_count, f.threshold, f.raised_at
            FROM hotspot_flags f
            WHERE (@scopeUnit::text IS NULL OR f.unit_id IN (SELECT unit_id FROM units WHERE path LIKE (SELECT path FROM units WHERE unit_id = @scopeUnit) || '%'))
              AND (@unitId::text IS NULL OR f.unit_id IN (SELECT unit_id FROM units WHERE path LIKE (SELECT path FROM units WHERE unit_id = @unitId) || '%'))
              AND (@afterRaised::timestamptz IS NULL OR (f.raised_at, f.id) < (@afterRaised, @afterId))
            ORDER BY f.raised_at DESC, f.id DESC LIMIT @limit
            """, new { scopeUnit, unitId, afterRaised = after?.RaisedAt, afterId = after?.Id, limit = size + 1 },
            cancellationToken: context.CancellationToken))).AsList();
        var (page, next) = KeyPageToken.Page(rows, size, r => new FlagPosition(r.RaisedAt, r.Id).ToString(), request, ClearPaging);
        return new ListHotspotFlagsResponse { Flags = { page.Select(r => r.ToContract()) }, NextPageToken = next };
    }

    private static void ClearPaging(GetHotspotsRequest r)
    {
        r.PageSize = 0;
        r.PageToken = "";
    }

    private static void ClearPaging(ListHotspotFlagsRequest r)
    {
        r.PageSize = 0;
        r.PageToken = "";
    }

    /// <summary>The filter as criteria, scoped to the caller; throws INVALID_ARGUMENT with every bad field of
    /// <paramref name="v"/> and of the filter.</summary>
    private static HotspotCriteria Criteria(RequestValidator v, HotspotFilter? filter, Caller caller)
    {
        filter ??= new HotspotFilter();
        DateTimeOffset from = default, to = default;
        if (filter.StartTime is null)
            v.Add("filter.start_time", "is required");
        else if (!ComplaintIntake.IsValidTimestamp(filter.StartTime))
            v.Add("filter.start_time", "is not a valid timestamp");
        else
            from = filter.StartTime.ToDateTimeOffset();
        if (filter.EndTime is null)
            v.Add("filter.end_time", "is required");
        else if (!ComplaintIntake.IsValidTimestamp(filter.EndTime))
            v.Add("filter.end_time", "is not a valid timestamp");
        else
            to = filter.EndTime.ToDateTimeOffset();
        if (from != default && to != default)
            v.Check(to > from, "filter.end_time", "must be after filter.start_time")
                .Check(to - from <= TimeSpan.FromDays(MaxPeriodDays), "filter.end_time", $"must be at most {MaxPeriodDays} days after filter.start_time")
                .Check(from.Year >= 2000, "filter.start_time", "must be in 2000 or later");
        v.Identifier("filter.unit_id", filter.UnitId, RequestValidator.UnitIdPattern(), "an existing unit id or empty", required: false);
        foreach (var c in filter.Categories)
            v.Enum("filter.categories", c);
        foreach (var s in filter.SubCategories)
            v.Enum("filter.sub_categories", s);
        v.ThrowIfInvalid();

        var scope = CaseScope.Of(caller);
        return new HotspotCriteria(from, to, filter.UnitId.Length == 0 ? null : filter.UnitId,
            filter.Categories.Distinct().ToList(), filter.SubCategories.Distinct().ToList(), scope.Condition, scope.Parameters);
    }

    private static decimal CellSize(RequestValidator v, double degrees)
    {
        if (degrees == 0)
            return HotspotQuery.DefaultCellSize;
        if (!double.IsFinite(degrees) || degrees is < MinCellSize or > MaxCellSize)
        {
            v.Add("cell_size_degrees", $"must be from {MinCellSize} to {MaxCellSize} degrees (0 means 0.01)");
            return HotspotQuery.DefaultCellSize;
        }
        // The decimal nearest the double as written (0.01 stays 0.01), so cell edges are exact multiples of it.
        return decimal.Parse(degrees.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    private static int PageSizeOrInvalid(RequestValidator v, int requested)
    {
        v.Check(requested is >= 0 and <= PageToken.MaxPageSize, "page_size", $"must be between 1 and {PageToken.MaxPageSize} (0 means {PageToken.DefaultPageSize})");
        return requested is > 0 and <= PageToken.MaxPageSize ? requested : PageToken.DefaultPageSize;
    }

    private static async Task RequireUnitAsync(NpgsqlConnection connection, string? unitId, CancellationToken ct)
    {
        if (unitId is not null && !await HotspotQuery.UnitExistsAsync(connection, unitId, ct))
            throw DomainException.NotFound("UNIT_NOT_FOUND", $"No unit {unitId}.");
    }

    // A hotspot page position as token text: count, unit id and key, separated by a character no id or count holds.
    private static string Encode(HotspotPosition p) =>
        $"{p.Count.ToString(CultureInfo.InvariantCulture)}\u001f{p.UnitId}\u001f{p.Key}";

    private static HotspotPosition? Decode(string key)
    {
        if (key.Length == 0)
            return null;
        var parts = key.Split('\u001f', 3);
        if (parts.Length == 3 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            return new HotspotPosition(count, parts[2], parts[1]);
        throw DomainException.Invalid("page_token", "is not a token from this list with the same filters");
    }

    private sealed record FlagPosition(DateTime RaisedAt, Guid Id)
    {
        public override string ToString() => $"{RaisedAt.Ticks.ToString(CultureInfo.InvariantCulture)}.{Id:N}";

        public static FlagPosition Parse(string text)
        {
            var parts = text.Split('.');
            if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks is >= 0 and <= 3155378975999999999 && Guid.TryParseExact(parts[1], "N", out var id))
                return new FlagPosition(new DateTime(ticks, DateTimeKind.Utc), id);
            throw DomainException.Invalid("page_token", "is not a token from this list with the same filters");
        }
    }

    private sealed class FlagRow
    {
        public Guid Id { get; init; }
        public HotspotGrain Grain { get; init; }
        public string Area { get; init; } = "";
        public string UnitId { get; init; } = "";
        public DateTime WindowStart { get; init; }
        public DateTime WindowEnd { get; init; }
        public int CaseCount { get; init; }
        public int Threshold { get; init; }
        public DateTime RaisedAt { get; init; }

        public HotspotFlag ToContract() => new()
        {
            FlagId = Id.ToString(),
            Grain = Grain,
            Area = Area,
            UnitId = UnitId,
            WindowStartTime = WindowStart.AsTimestamp(),
            WindowEndTime = WindowEnd.AsTimestamp(),
            CaseCount = CaseCount,
            Threshold = Threshold,
            RaisedTime = RaisedAt.AsTimestamp(),
        };
    }
}
