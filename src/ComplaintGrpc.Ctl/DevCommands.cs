using System.CommandLine;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ComplaintGrpc.Ctl;

/// <summary>
/// <c>mint-token</c> (a development bearer token) and <c>hash-password</c> (a dashboard account's password hash):
/// the commands the server host used to carry. Neither talks to the server.
/// </summary>
public static class DevCommands
{
    /// <summary>The dashboard refuses longer passwords at sign-in (DashboardAccounts.MaxPasswordLength).</summary>
    public const int MaxPasswordLength = 1024;

    /// <summary>
    /// Signs with the symmetric key the server is configured with, read from the server's own settings
    /// (<c>Auth__SigningKeyFile</c> or <c>Auth__SigningKey</c>, <c>Auth__Issuer</c>, <c>Auth__Audience</c>), with
    /// Microsoft's JWT library, the one that validates tokens in the server. Claims as the server reads them:
    /// <c>sub</c>, <c>role</c>, <c>unit</c>, <c>perm</c>. Production tokens come from the OIDC authority instead.
    /// </summary>
    public static Command MintToken()
    {
        var subject = new Option<string>("--sub") { Description = "The caller's identity", Required = true };
        var roles = new Option<string[]>("--role")
        {
            Description = "A role: intake, handler, supervisor, inspector, admin, auditor (repeat for more)",
            Required = true,
        };
        roles.AcceptOnlyFromAmong("intake", "handler", "supervisor", "inspector", "admin", "auditor");
        var unit = new Option<string>("--unit") { Description = "Bind the caller to this unit's subtree" };
        var permission = new Option<string>("--perm") { Description = "An extra permission, e.g. personal_data" };
        var hours = new Option<double>("--hours") { Description = "Lifetime in hours (default 8)", DefaultValueFactory = _ => 8 };
        hours.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is <= 0 or > 24 * 366)
                r.AddError("--hours must be more than 0 and at most a year");
        });
        var command = new Command("mint-token", "Print a development bearer token signed with the server's key (Auth__SigningKeyFile or Auth__SigningKey)")
        {
            subject, roles, unit, permission, hours,
        };
        command.SetAction(parse =>
        {
            byte[] key;
            try
            {
                key = SigningKey();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return Failures.BadInput;
            }
            var claims = new List<Claim> { new("sub", parse.GetValue(subject)!) };
            claims.AddRange(parse.GetValue(roles)!.Select(r => new Claim("role", r)));
            if (parse.GetValue(unit) is { Length: > 0 } u)
                claims.Add(new Claim("unit", u));
            if (parse.GetValue(permission) is { Length: > 0 } p)
                claims.Add(new Claim("perm", p));
            var now = DateTime.UtcNow;
            Console.WriteLine(new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = Setting("Auth__Issuer") ?? "complaintgrpc-dev",
                Audience = Setting("Auth__Audience") ?? "complaints.v1",
                Subject = new ClaimsIdentity(claims),
                IssuedAt = now,
                NotBefore = now,
                Expires = now.AddHours(parse.GetValue(hours)),
                SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
            }));
            return Failures.Ok;
        });
        return command;
    }

    /// <summary>
    /// Reads one password from standard input (without echo at a terminal) and prints its ASP.NET Core Identity v3
    /// hash, the value for <c>Dashboard__Accounts__N__PasswordHash</c>.
    /// </summary>
    public static Command HashPassword()
    {
        var command = new Command("hash-password", "Read a dashboard password from standard input and print its hash for Dashboard__Accounts__N__PasswordHash");
        command.SetAction(_ =>
        {
            if (!Console.IsInputRedirected)
                Console.Error.Write("Password: ");
            var password = Console.IsInputRedirected ? Console.In.ReadLine() : ReadWithoutEcho();
            if (string.IsNullOrEmpty(password))
            {
                Console.Error.WriteLine("error: no password on standard input (usage: printf '%s' \"$PASSWORD\" | complaintctl hash-password)");
                return Failures.BadInput;
            }
            if (password.Length > MaxPasswordLength)
            {
                Console.Error.WriteLine($"error: a password longer than {MaxPasswordLength} characters is refused at sign-in");
                return Failures.BadInput;
            }
            Console.WriteLine(new PasswordHasher<object>().HashPassword(new object(), password));
            return Failures.Ok;
        });
        return command;
    }

    private static string? Setting(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    private static byte[] SigningKey()
    {
        var text = Setting("Auth__SigningKeyFile") is { } file ? File.ReadAllText(file).Trim() : Setting("Auth__SigningKey");
        if (text is null)
            throw new InvalidOperationException("no signing key; set Auth__SigningKeyFile (ops/run.sh makes .local/secrets/jwt-signing.key) or Auth__SigningKey");
        var key = Convert.FromBase64String(text);
        return key.Length >= 32 ? key : throw new InvalidOperationException("the signing key must be at least 32 bytes (base64)");
    }

    private static string ReadWithoutEcho()
    {
        var password = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
                break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                    password.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }
        Console.Error.WriteLine();
        return password.ToString();
    }
}
