using System.Security.Claims;
using Grpc.Core;

namespace ComplaintGrpc.Server.Security;

/// <summary>
/// The authenticated caller of an RPC, read from the bearer token: subject (<c>sub</c>; for handlers their handler
/// id), roles (<c>role</c>), the unit they are bound to (<c>unit</c>; absent = the whole organisation) and whether
/// they may see customers' personal data (<c>perm: personal_data</c>, implied by the roles that work cases).
/// </summary>
public sealed record Caller(string Subject, IReadOnlySet<string> Roles, string? UnitId, bool SeesPersonalData)
{
    public const string UnitClaim = "unit";
    public const string PermissionClaim = "perm";
    public const string PersonalDataPermission = "personal_data";

    private static readonly string[] RolesWithPersonalData = [Security.Roles.Intake, Security.Roles.Handler, Security.Roles.Supervisor, Security.Roles.Inspector];

    public bool Is(string role) => Roles.Contains(role);

    /// <summary>For the history: who did it.</summary>
    public string Actor => Subject;

    /// <summary>
    /// The caller acting in this RPC: only the roles the RPC admits (its <c>[Authorize(Roles = …)]</c>) count, so a
    /// token with roles handler and auditor changes cases as a handler, never with an auditor's reach.
    /// </summary>
    public static Caller Of(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        var caller = From(http.User);
        var admitted = http.GetEndpoint()?.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>()
            .Where(a => !string.IsNullOrEmpty(a.Roles))
            .SelectMany(a => a.Roles!.Split(',', StringSplitOptions.TrimEntries))
            .ToHashSet(StringComparer.Ordinal);
        return admitted is { Count: > 0 } ? caller with { Roles = caller.Roles.Intersect(admitted).ToHashSet(StringComparer.Ordinal) } : caller;
    }

    public static Caller From(ClaimsPrincipal user)
    {
        var roles = user.FindAll("role").Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var unit = user.FindFirst(UnitClaim)?.Value;
        var personal = roles.Overlaps(RolesWithPersonalData) || user.HasClaim(PermissionClaim, PersonalDataPermission);
        return new Caller(user.FindFirst("sub")?.Value ?? "anonymous", roles, string.IsNullOrEmpty(unit) ? null : unit, personal);
    }
}
