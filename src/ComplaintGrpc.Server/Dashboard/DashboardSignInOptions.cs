using System.Buffers.Binary;
using System.ComponentModel.DataAnnotations;

namespace ComplaintGrpc.Server.Dashboard;

/// <summary>The two dashboard roles: <see cref="Admin"/> may trigger, requeue and delete jobs; <see cref="Viewer"/> only looks.</summary>
public static class DashboardRoles
{
    public const string Admin = "admin";
    public const string Viewer = "viewer";

    public static bool IsKnown(string? role) => role is Admin or Viewer;
}

/// <summary>One person who may sign in to the dashboard (<c>Dashboard:Accounts:N:*</c>).</summary>
public sealed class DashboardAccount
{
    public string UserName { get; set; } = "";

    /// <summary>ASP.NET Core Identity's <c>PasswordHasher</c> format (v3: PBKDF2 with a per-account salt), base64;
    /// <c>complaintctl hash-password</c> makes one. Never the password itself.</summary>
    public string PasswordHash { get; set; } = "";

    /// <summary><c>admin</c> or <c>viewer</c>.</summary>
    public string Role { get; set; } = "";
}

/// <summary>Bound from <c>Dashboard:*</c>; validated at start. With no account the dashboard is configured but nobody
/// can open it (there is no anonymous or loopback access).</summary>
public sealed class DashboardSignInOptions : IValidatableObject
{
    public List<DashboardAccount> Accounts { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Accounts.Count; i++)
        {
            var account = Accounts[i];
            var key = $"Dashboard:Accounts:{i}";
            // Messages name the setting, never the hash.
            if (string.IsNullOrWhiteSpace(account.UserName))
                yield return new ValidationResult($"{key}:UserName is empty.");
            else if (!names.Add(account.UserName))
                yield return new ValidationResult($"{key}:UserName repeats an earlier account's user name.");
            if (!LooksLikeIdentityV3Hash(account.PasswordHash))
                yield return new ValidationResult(
                    $"{key}:PasswordHash is not an ASP.NET Core Identity v3 password hash; make one with `complaintctl hash-password`.");
            if (!DashboardRoles.IsKnown(account.Role))
                yield return new ValidationResult($"{key}:Role must be '{DashboardRoles.Admin}' or '{DashboardRoles.Viewer}'.");
        }
    }

    /// <summary>
    /// Whether <paramref name="hash"/> has the layout <c>PasswordHasher</c> writes in its v3 mode: marker 0x01, then
    /// PRF, iteration count and salt length (big-endian), the salt and the derived key, with salt and key at least
    /// 128 bits (the smallest <c>PasswordHasher</c> accepts). Only the layout: checking a password is
    /// <c>PasswordHasher</c>'s job, and it answers "wrong password" for a malformed hash, which would make a typo in the
    /// setting look like a forgotten password.
    /// </summary>
    public static bool LooksLikeIdentityV3Hash(string? hash)
    {
        if (string.IsNullOrEmpty(hash) || hash.Length > 1024)
            return false;
        var bytes = new byte[hash.Length];
        if (!Convert.TryFromBase64String(hash, bytes, out var length))
            return false;
        var data = bytes.AsSpan(0, length);
        const int header = 13;
        if (data.Length < header || data[0] != 0x01)
            return false;
        var prf = BinaryPrimitives.ReadUInt32BigEndian(data[1..]);
        var iterations = BinaryPrimitives.ReadUInt32BigEndian(data[5..]);
        var saltLength = BinaryPrimitives.ReadUInt32BigEndian(data[9..]);
        // PRF: 0 HMACSHA1, 1 HMACSHA256, 2 HMACSHA512 (Microsoft.AspNetCore.Cryptography.KeyDerivation.KeyDerivationPrf).
        return prf <= 2 && iterations > 0 && saltLength >= 16 && data.Length - header - saltLength >= 16;
    }
}
