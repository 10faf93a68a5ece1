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

    public static Caller Of(ServerCallContext context) => From(context.GetHttpContext().User);

    public static Caller From(ClaimsPrincipal user)
    {
        var roles = user.FindAll("role").Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var unit = user.FindFirst(UnitClaim)?.Value;
        var personal = roles.Overlaps(RolesWithPersonalData) || user.HasClaim(PermissionClaim, PersonalDataPermission);
        return new Caller(user.FindFirst("sub")?.Value ?? "anonymous", roles, string.IsNullOrEmpty(unit) ? null : unit, personal);
    }
}
