using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using Dapper;
using ComplaintGrpc.Server.Evaluation;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Npgsql;

using UnitRow = (string UnitId, string Name, ComplaintGrpc.Contracts.V1.UnitLevel Level, string? ParentUnitId, string TimeZone, long CustomerCount,
    string Path);

namespace ComplaintGrpc.Server.Organization;

/// <summary>complaints.v1.OrganizationService: the unit tree and its handlers. A unit's parent must be exactly one
/// level up, so the tree is always province → city → county → station.</summary>
public sealed partial class OrganizationEndpoint(NpgsqlDataSource db, TimeProvider clock) : OrganizationService.OrganizationServiceBase
{
    [Authorize(Roles = Roles.Administrator)]
    public override async Task<Unit> CreateUnit(CreateUnitRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var unit = request.Unit ?? throw DomainException.Invalid("unit", "is required");
        var v = new RequestValidator()
            .Identifier("unit.unit_id", unit.UnitId, RequestValidator.UnitIdPattern(), "2-64 of a-z 0-9 and '-'")
            .Text("unit.name", unit.Name, 100, required: true)
            .Enum("unit.level", unit.Level)
            .Check(unit.CustomerCount >= 0, "unit.customer_count", "must not be negative")
            .Check(unit.TimeZone.Length == 0 || TimeZoneInfo.TryFindSystemTimeZoneById(unit.TimeZone, out _), "unit.time_zone", "is not a known IANA time zone")
            .Identifier("unit.parent_unit_id", unit.ParentUnitId, RequestValidator.UnitIdPattern(), "an existing unit id", required: false)
            .Check(unit.Level == UnitLevel.Province == (unit.ParentUnitId.Length == 0), "unit.parent_unit_id",
                "is required for every level but a province, and must be empty for a province");
        v.ThrowIfInvalid();

        await using var connection = await db.OpenConnectionAsync(ct);
        var parentPath = "/";
        if (unit.ParentUnitId.Length > 0)
        {
            var parent = await connection.QuerySingleOrDefaultAsync<(string Path, UnitLevel Level)>(new CommandDefinition(
                "SELECT path, level FROM units WHERE unit_id = @ParentUnitId", new { unit.ParentUnitId }, cancellationToken: ct));
            if (parent.Path is null)
                throw DomainException.NotFound("UNIT_NOT_FOUND", $"No parent unit {unit.ParentUnitId}.");
            if (parent.Level != unit.Level - 1)
                throw new DomainException(ErrorKind.FailedPrecondition, "PARENT_LEVEL_MISMATCH",
                    $"A {unit.Level} unit's parent must be one level up, but {unit.ParentUnitId} is a {parent.Level}.");
            parentPath = parent.Path;
        }

        var created = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO units (unit_id, name, level, parent_unit_id, path, time_zone, customer_count, created_at)
            VALUES (@UnitId, @Name, @Level, NULLIF(@ParentUnitId, ''), @Path, @TimeZone, @CustomerCount, @Now)
            ON CONFLICT DO NOTHING
            """,
            new
            {
                unit.UnitId,
                unit.Name,
                Level = unit.Level.ToString(),
                unit.ParentUnitId,
                Path = $"{parentPath}{unit.UnitId}/",
                TimeZone = unit.TimeZone.Length > 0 ? unit.TimeZone : Domain.TimeLimits.DeadlineCalculator.DefaultZone.Id,
                unit.CustomerCount,
                Now = clock.GetUtcNow().UtcDateTime,
            }, cancellationToken: ct));
        if (created == 0)
            throw new DomainException(ErrorKind.AlreadyExists, "UNIT_EXISTS", $"Unit {unit.UnitId} already exists.");
        return (await ReadUnitsAsync(connection, "unit_id = @id", unit.UnitId, ct)).Single();
    }

    [Authorize(Roles = Roles.Everyone)]
    public override async Task<ListUnitsResponse> ListUnits(ListUnitsRequest request, ServerCallContext context)
    {
        new RequestValidator().Identifier("root_unit_id", request.RootUnitId, RequestValidator.UnitIdPattern(), "a unit id", required: false).ThrowIfInvalid();
        var size = PageToken.Size(request.PageSize, MaxOrganizationPage);
        // Keyset on the unit's materialised path, the list's order (a unit before its descendants).
        var afterPath = KeyPageToken.Decode(request, request.PageToken, ClearPaging);
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        var rows = (await connection.QueryAsync<UnitRow>(new CommandDefinition("""
            SELECT unit_id, name, level, parent_unit_id, time_zone, customer_count, path FROM units
            WHERE (@root = '' OR path LIKE (SELECT path FROM units WHERE unit_id = @root) || '%') AND path > @afterPath
            ORDER BY path LIMIT @limit
            """, new { root = request.RootUnitId, afterPath, limit = size + 1 }, cancellationToken: context.CancellationToken))).ToList();
        if (rows.Count == 0 && request.RootUnitId.Length > 0 && afterPath.Length == 0)
            throw DomainException.NotFound("UNIT_NOT_FOUND", $"No unit {request.RootUnitId}.");
        var (page, next) = KeyPageToken.Page(rows, size, u => u.Path, request, ClearPaging);
        return new ListUnitsResponse { Units = { page.Select(ToUnit) }, NextPageToken = next };

        static void ClearPaging(ListUnitsRequest r) { r.PageSize = 0; r.PageToken = ""; }
    }

    /// <summary>Units and handlers were unpaged lists before; 1,000 keeps every unit of a provincial organisation and
    /// every handler of a unit in one page for callers that send no page_size.</summary>
    private const int MaxOrganizationPage = 1000;

    [Authorize(Roles = Roles.Administrator)]
    public override async Task<Handler> CreateHandler(CreateHandlerRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var handler = request.Handler ?? throw DomainException.Invalid("handler", "is required");
        new RequestValidator()
            .Identifier("handler.handler_id", handler.HandlerId, RequestValidator.HandlerIdPattern(), "2-64 of A-Z a-z 0-9 . _ -")
            .Identifier("handler.unit_id", handler.UnitId, RequestValidator.UnitIdPattern(), "an existing unit id")
            .Text("handler.name", handler.Name, 100, required: true)
            .Text("handler.email", handler.Email, 254)
            .Check(handler.Email.Length == 0 || System.Net.Mail.MailAddress.TryCreate(handler.Email, out _), "handler.email", "is not an e-mail address")
            .Enum("handler.role", handler.Role, required: false)
            .ThrowIfInvalid();
        if (handler.Role == HandlerRole.Unspecified)
            handler.Role = HandlerRole.Handler;

        await using var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var created = await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO handlers (handler_id, unit_id, name, email, role, created_at) VALUES (@HandlerId, @UnitId, @Name, @Email, @Role, @Now)
                ON CONFLICT (handler_id) DO NOTHING
                """, new { handler.HandlerId, handler.UnitId, handler.Name, handler.Email, Role = handler.Role.ToString(), Now = clock.GetUtcNow().UtcDateTime },
                cancellationToken: ct));
            if (created == 0)
                throw new DomainException(ErrorKind.AlreadyExists, "HANDLER_EXISTS", $"Handler {handler.HandlerId} already exists.");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw DomainException.NotFound("UNIT_NOT_FOUND", $"No unit {handler.UnitId}.");
        }
        return handler;
    }

    [Authorize(Roles = Roles.Everyone)]
    public override async Task<ListHandlersResponse> ListHandlers(ListHandlersRequest request, ServerCallContext context)
    {
        new RequestValidator().Identifier("unit_id", request.UnitId, RequestValidator.UnitIdPattern(), "a unit id").ThrowIfInvalid();
        var caller = Caller.Of(context);
        var seesEmail = caller.Is(Roles.Administrator) || caller.Is(Roles.Supervisor);
        var size = PageToken.Size(request.PageSize, MaxOrganizationPage);
        var after = KeyPageToken.Decode(request, request.PageToken, ClearPaging);
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        var rows = (await connection.QueryAsync<(string HandlerId, string UnitId, string Name, string Email, string Role)>(new CommandDefinition(
            "SELECT handler_id, unit_id, name, email, role FROM handlers WHERE unit_id = @UnitId AND active AND handler_id > @after ORDER BY handler_id LIMIT @limit",
            new { request.UnitId, after, limit = size + 1 }, cancellationToken: context.CancellationToken))).ToList();
        var (page, next) = KeyPageToken.Page(rows, size, h => h.HandlerId, request, ClearPaging);
        return new ListHandlersResponse
        {
            NextPageToken = next,
            Handlers =
            {
                page.Select(h => new Handler
                {
                    HandlerId = h.HandlerId,
                    UnitId = h.UnitId,
                    Name = h.Name,
                    // Staff e-mail addresses are for those who run the organisation, not for every caller.
                    Email = seesEmail ? h.Email : "",
                    Role = System.Enum.Parse<HandlerRole>(h.Role),
                }),
            },
        };

        static void ClearPaging(ListHandlersRequest r) { r.PageSize = 0; r.PageToken = ""; }
    }

    private static async Task<List<Unit>> ReadUnitsAsync(NpgsqlConnection connection, string where, string id, CancellationToken ct)
    {
        var rows = await connection.QueryAsync<UnitRow>(
            new CommandDefinition($"SELECT unit_id, name, level, parent_unit_id, time_zone, customer_count, path FROM units WHERE {where} ORDER BY path",
                new { id }, cancellationToken: ct));
        return rows.Select(ToUnit).ToList();
    }

    private static Unit ToUnit(UnitRow u) => new()
    {
        UnitId = u.UnitId,
        Name = u.Name,
        Level = u.Level,
        ParentUnitId = u.ParentUnitId ?? "",
        TimeZone = u.TimeZone,
        CustomerCount = u.CustomerCount,
    };
}
