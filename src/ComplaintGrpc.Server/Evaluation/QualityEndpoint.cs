using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.Evaluation;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Security;
using Dapper;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Npgsql;

namespace ComplaintGrpc.Server.Evaluation;

/// <summary>complaints.v1.QualityService: the configurable root-cause list findings choose from.</summary>
public sealed class QualityEndpoint(NpgsqlDataSource db, TimeProvider clock) : QualityService.QualityServiceBase
{
    [Authorize(Roles = Roles.Everyone)]
    public override async Task<ListRootCausesResponse> ListRootCauses(ListRootCausesRequest request, ServerCallContext context)
    {
        var size = PageToken.Size(request.PageSize);
        var after = KeyPageToken.Decode(request, request.PageToken, ClearPaging);
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        var rows = (await connection.QueryAsync<(string Code, string Name, bool Active)>(new CommandDefinition(
            "SELECT code, name, active FROM root_causes WHERE (active OR @IncludeInactive) AND code > @after ORDER BY code LIMIT @limit",
            new { request.IncludeInactive, after, limit = size + 1 }, cancellationToken: context.CancellationToken))).ToList();
        var (page, next) = KeyPageToken.Page(rows, size, r => r.Code, request, ClearPaging);
        return new ListRootCausesResponse
        {
            RootCauses = { page.Select(r => new RootCause { Code = r.Code, Name = r.Name, Active = r.Active }) },
            NextPageToken = next,
        };

        static void ClearPaging(ListRootCausesRequest r) { r.PageSize = 0; r.PageToken = ""; }
    }

    [Authorize(Roles = Roles.Administrator)]
    public override async Task<RootCause> DefineRootCause(DefineRootCauseRequest request, ServerCallContext context)
    {
        var c = request.RootCause ?? throw DomainException.Invalid("root_cause", "is required");
        new RequestValidator()
            .Identifier("root_cause.code", c.Code, FindingRules.RootCauseCodePattern(), "2-64 of a-z 0-9 _")
            .Text("root_cause.name", c.Name, 100, required: true)
            .ThrowIfInvalid();
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO root_causes (code, name, active, updated_at) VALUES (@Code, @Name, @Active, @now)
            ON CONFLICT (code) DO UPDATE SET name = excluded.name, active = excluded.active, updated_at = excluded.updated_at
            """, new { c.Code, c.Name, c.Active, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: context.CancellationToken));
        return c;
    }
}
