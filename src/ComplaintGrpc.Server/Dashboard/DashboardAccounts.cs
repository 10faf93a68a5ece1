using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ComplaintGrpc.Server.Dashboard;

/// <summary>
/// The configured dashboard accounts: checks a user name and password with ASP.NET Core Identity's
/// <see cref="PasswordHasher{TUser}"/> and builds the signed-in principal. Reads the options on every call, so an
/// account removed or re-hashed in a reloaded configuration takes effect at once (see <see cref="IsCurrent"/>).
/// </summary>
public sealed partial class DashboardAccounts(IOptionsMonitor<DashboardSignInOptions> options, ILogger<DashboardAccounts> logger)
{
    /// <summary>Claim that ties a session to the password hash it was signed in with: a new hash ends old sessions.</summary>
    public const string StampClaim = "dashboard_stamp";

    /// <summary>Longer input is refused without hashing: nobody's user name or password is this long.</summary>
    public const int MaxUserNameLength = 256;
    public const int MaxPasswordLength = 1024;

    private readonly PasswordHasher<DashboardAccount> _hasher = new();
    private readonly Lazy<string> _decoyHash = new(() => new PasswordHasher<DashboardAccount>().HashPassword(new DashboardAccount(), RandomNumberGenerator.GetHexString(32)));

    /// <summary>The principal for <paramref name="userName"/> if <paramref name="password"/> is that account's password;
    /// otherwise null, and the failure is logged with the user name only.</summary>
    public ClaimsPrincipal? SignIn(string userName, string password)
    {
        if (userName.Length is 0 or > MaxUserNameLength || password.Length is 0 or > MaxPasswordLength)
        {
            LogSignInRefused(logger, Printable(userName));
            return null;
        }

        var account = Find(userName);
        // An unknown user name costs the same PBKDF2 run as a known one, so response time does not tell which
        // user names exist.
        var result = _hasher.VerifyHashedPassword(account ?? new DashboardAccount(), account?.PasswordHash ?? _decoyHash.Value, password);
        if (account is null || result == PasswordVerificationResult.Failed)
        {
            LogSignInRefused(logger, Printable(userName));
            return null;
        }

        LogSignedIn(logger, account.UserName, account.Role);
        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, account.UserName),
                new Claim(ClaimTypes.Role, account.Role),
                new Claim(StampClaim, Stamp(account.PasswordHash)),
            ],
            DashboardSignIn.Scheme, ClaimTypes.Name, ClaimTypes.Role);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>Whether a signed-in principal still matches a configured account: same user name, role and password hash.</summary>
    public bool IsCurrent(ClaimsPrincipal principal)
    {
        var account = principal.Identity?.Name is { } name ? Find(name) : null;
        return account is not null
            && principal.IsInRole(account.Role)
            && principal.FindFirst(StampClaim)?.Value == Stamp(account.PasswordHash);
    }

    public void SignedOut(ClaimsPrincipal principal)
    {
        if (principal.Identity is { IsAuthenticated: true, Name: { } name })
            LogSignedOut(logger, name);
    }

    private DashboardAccount? Find(string userName) =>
        options.CurrentValue.Accounts.FirstOrDefault(a => string.Equals(a.UserName, userName, StringComparison.OrdinalIgnoreCase));

    // A digest of the hash, not the hash itself: the cookie is encrypted anyway, but need not carry the hash.
    private static string Stamp(string passwordHash) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(passwordHash)).AsSpan(0, 16));

    // The user name comes from an anonymous form: bounded and without control characters before it reaches a log line.
    private static string Printable(string userName)
    {
        var text = userName.Length > 64 ? userName[..64] + "…" : userName;
        return string.Create(text.Length, text, (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
                span[i] = char.IsControl(source[i]) ? '?' : source[i];
        });
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Dashboard sign-in refused for user name {UserName}")]
    private static partial void LogSignInRefused(ILogger logger, string userName);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Dashboard sign-in: {UserName} as {Role}")]
    private static partial void LogSignedIn(ILogger logger, string userName, string role);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "Dashboard sign-out: {UserName}")]
    private static partial void LogSignedOut(ILogger logger, string userName);
}
