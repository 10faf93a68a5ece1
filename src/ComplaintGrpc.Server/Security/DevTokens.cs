using System.Globalization;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ComplaintGrpc.Server.Security;

/// <summary>
/// Mints development tokens signed with the configured symmetric key, with Microsoft's JWT library (the same one
/// that validates them). For local use and tests only; production tokens come from the OIDC authority.
/// Usage: <c>ComplaintGrpc.Server mint-token --sub ID --role ROLE [--role ROLE] [--unit UNIT] [--perm personal_data] [--hours 8]</c>
/// with <c>Auth__SigningKeyFile</c> (or <c>Auth__SigningKey</c>) set.
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

    /// <summary>The <c>mint-token</c> command: prints one token on stdout.</summary>
    public static int Run(string[] args, IConfiguration configuration)
    {
        var auth = configuration.GetSection("Auth").Get<AuthOptions>() ?? new AuthOptions();
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var roles = args.Select((a, i) => (a, i)).Where(p => p.a == "--role" && p.i + 1 < args.Length).Select(p => args[p.i + 1]).ToList();
        if (Value("--sub") is not { } subject || roles.Count == 0)
        {
            Console.Error.WriteLine("usage: mint-token --sub ID --role ROLE [--role ROLE] [--unit UNIT] [--perm personal_data] [--hours 8]");
            return 2;
        }
        var hours = double.Parse(Value("--hours") ?? "8", CultureInfo.InvariantCulture);
        Console.WriteLine(Mint(auth, subject, roles, Value("--unit"), Value("--perm") is { } p ? [p] : null, TimeSpan.FromHours(hours)));
        return 0;
    }
}
