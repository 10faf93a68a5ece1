using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ComplaintGrpc.Server.Security;

/// <summary>
/// Mints development tokens signed with the configured symmetric key, with Microsoft's JWT library (the same one
/// that validates them). For tests only; operators mint development tokens with <c>complaintctl mint-token</c>, and
/// production tokens come from the OIDC authority.
/// </summary>
public static class DevTokens
{
    public static string Mint(AuthOptions auth, string subject, IEnumerable<string> roles, string? unit = null,
        IEnumerable<string>? permissions = null, TimeSpan? lifetime = null, DateTimeOffset? now = null)
    {
        var key = auth.SymmetricKey() ?? throw new InvalidOperationException("No Auth:SigningKey or Auth:SigningKeyFile to sign with.");
        var claims = new List<Claim> { new("sub", subject) };
        claims.AddRange(roles.Select(r => new Claim("role", r)));
        claims.AddRange((permissions ?? []).Select(p => new Claim(Caller.PermissionClaim, p)));
        if (unit is not null)
            claims.Add(new Claim(Caller.UnitClaim, unit));
        var issuedAt = (now ?? DateTimeOffset.UtcNow).UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + (lifetime ?? TimeSpan.FromHours(8)),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        });
    }
}
