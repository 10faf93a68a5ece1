using System.ComponentModel.DataAnnotations;
using ComplaintGrpc.Server.Dashboard;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace ComplaintGrpc.IntegrationTests.Dashboard;

/// <summary>The start-up validation of <c>Dashboard:Accounts</c> without a server.</summary>
public sealed class DashboardAccountsTests
{
    private static readonly string GoodHash = new PasswordHasher<DashboardAccount>().HashPassword(new DashboardAccount(), "correct horse");

    private static List<string> Problems(params DashboardAccount[] accounts)
    {
        var options = new DashboardSignInOptions { Accounts = [.. accounts] };
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r => r.ErrorMessage!)];
    }

    [Fact]
    public void Good_accounts_and_no_accounts_are_valid()
    {
        Assert.Empty(Problems());
        Assert.Empty(Problems(new DashboardAccount { UserName = "ann", PasswordHash = GoodHash, Role = "admin" },
            new DashboardAccount { UserName = "vic", PasswordHash = GoodHash, Role = "viewer" }));
    }

    [Fact]
    public void Each_bad_setting_is_named_without_showing_the_hash()
    {
        var v2 = new PasswordHasher<DashboardAccount>(Options.Create(new PasswordHasherOptions { CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV2 }))
            .HashPassword(new DashboardAccount(), "pw");
        var problems = Problems(
            new DashboardAccount { UserName = "", PasswordHash = GoodHash, Role = "admin" },
            new DashboardAccount { UserName = "ann", PasswordHash = "correct horse", Role = "admin" },
            new DashboardAccount { UserName = "ANN", PasswordHash = v2, Role = "viewer" },
            new DashboardAccount { UserName = "bob", PasswordHash = GoodHash, Role = "root" });

        Assert.Contains("Dashboard:Accounts:0:UserName is empty.", problems);
        Assert.Contains(problems, p => p.StartsWith("Dashboard:Accounts:1:PasswordHash is not an ASP.NET Core Identity v3 password hash", StringComparison.Ordinal));
        Assert.Contains("Dashboard:Accounts:2:UserName repeats an earlier account's user name.", problems);
        Assert.Contains(problems, p => p.StartsWith("Dashboard:Accounts:2:PasswordHash", StringComparison.Ordinal));
        Assert.Contains("Dashboard:Accounts:3:Role must be 'admin' or 'viewer'.", problems);
        Assert.Equal(5, problems.Count);
        Assert.DoesNotContain(problems, p => p.Contains(GoodHash, StringComparison.Ordinal) || p.Contains("correct horse", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AQAAAAIAAYag")] // a v3 header with nothing after it
    public void Malformed_hashes_are_not_taken_for_v3(string hash) =>
        Assert.False(DashboardSignInOptions.LooksLikeIdentityV3Hash(hash));
}
