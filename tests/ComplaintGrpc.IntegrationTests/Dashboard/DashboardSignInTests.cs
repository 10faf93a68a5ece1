using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using ComplaintGrpc.Server.Security;

namespace ComplaintGrpc.IntegrationTests.Dashboard;

/// <summary>The sign-in at the HTTP level, against the real server: what a script, curl or a forged form gets.</summary>
public sealed partial class DashboardSignInTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    private const string CookieName = "complaints.dashboard";

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    /// <summary>A client that keeps cookies and does not follow redirects, so each answer can be looked at.</summary>
    private HttpClient Client(out CookieContainer cookies)
    {
        cookies = new CookieContainer();
        return new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = host.AdminBase };
    }

    private static async Task<string> FormTokenAsync(HttpClient http)
    {
        var page = await http.GetStringAsync("/login");
        return TokenField().Match(page) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new Xunit.Sdk.XunitException("no antiforgery field on /login:\n" + page);
    }

    private static Task<HttpResponseMessage> PostSignInAsync(HttpClient http, string? token, string user, string password, string returnUrl = "/hangfire") =>
        http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token ?? "",
            ["UserName"] = user,
            ["Password"] = password,
            ["ReturnUrl"] = returnUrl,
        }.Where(p => token is not null || p.Key != "__RequestVerificationToken")));

    private static bool HasSessionCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith(CookieName + "=", StringComparison.Ordinal));

    [Fact]
    public async Task A_script_without_a_session_gets_401_and_no_dashboard()
    {
        using var http = Client(out _);
        foreach (var path in new[] { "/hangfire", "/hangfire/recurring", "/hangfire/stats", "/admin/schedules" })
        {
            using var request = new HttpRequestMessage(path.EndsWith("stats", StringComparison.Ordinal) ? HttpMethod.Post : HttpMethod.Get, path);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.DoesNotContain("Recurring", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task A_browser_without_a_session_is_redirected_to_the_sign_in_form()
    {
        using var http = Client(out _);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hangfire/jobs/succeeded");
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml");
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login?ReturnUrl=%2Fhangfire%2Fjobs%2Fsucceeded", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task The_schedules_page_is_behind_the_same_sign_in_and_is_returned_to_after_it()
    {
        using var http = Client(out _);
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/admin/schedules"))
        {
            request.Headers.Accept.ParseAdd("text/html");
            using var redirect = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
            Assert.Equal("/login?ReturnUrl=%2Fadmin%2Fschedules", redirect.Headers.Location!.PathAndQuery);
        }

        using var signedIn = await PostSignInAsync(http, await FormTokenAsync(http), DashboardHost.ViewerUser, host.ViewerPassword, "/admin/schedules");
        Assert.Equal("/admin/schedules", signedIn.Headers.Location!.OriginalString);
        using var page = await http.GetAsync("/admin/schedules");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        // No worker has run against this host's database: Quartz has not even made its tables.
        Assert.Contains("No schedules: the worker has not started against this database yet.", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_gRPC_bearer_token_does_not_open_the_dashboard()
    {
        using var http = Client(out _);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/hangfire");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", host.Token("ops-admin", [Roles.Administrator]));
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_and_logged_with_the_user_name_only()
    {
        using var http = Client(out _);
        var wrong = "not-" + host.AdminPassword;
        using var response = await PostSignInAsync(http, await FormTokenAsync(http), DashboardHost.AdminUser, wrong);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(HasSessionCookie(response));
        Assert.Contains("Wrong user name or password.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(host.Logs.Lines, l => l.Contains("[1400]", StringComparison.Ordinal) && l.Contains(DashboardHost.AdminUser, StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains(wrong, StringComparison.Ordinal) || l.Contains(host.AdminPassword, StringComparison.Ordinal));

        using var unknown = await PostSignInAsync(http, await FormTokenAsync(http), "nobody", host.AdminPassword);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.False(HasSessionCookie(unknown));
    }

    [Fact]
    public async Task A_sign_in_without_the_antiforgery_token_is_refused()
    {
        using var http = Client(out _);
        await FormTokenAsync(http); // the antiforgery cookie alone is not enough: a cross-site form has no token
        using var response = await PostSignInAsync(http, token: null, DashboardHost.AdminUser, host.AdminPassword);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(HasSessionCookie(response));
    }

    [Fact]
    public async Task Signing_in_sets_an_HttpOnly_SameSite_Strict_session_cookie_and_signing_out_ends_it()
    {
        using var http = Client(out _);
        using var response = await PostSignInAsync(http, await FormTokenAsync(http), DashboardHost.AdminUser, host.AdminPassword, "/hangfire/recurring");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/hangfire/recurring", response.Headers.Location!.OriginalString);
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(CookieName + "=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("httponly", cookie, StringComparison.Ordinal);
        Assert.Contains("samesite=strict", cookie, StringComparison.Ordinal);
        Assert.DoesNotContain("expires", cookie, StringComparison.Ordinal); // a session cookie; the 8 h sliding limit is inside the ticket
        Assert.DoesNotContain("secure", cookie, StringComparison.Ordinal); // plain HTTP here; Secure whenever the request is HTTPS

        using (var page = await http.GetAsync("/hangfire/recurring"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("Recurring Jobs", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var signOutPage = await http.GetStringAsync("/logout");
        var token = WebUtility.HtmlDecode(TokenField().Match(signOutPage).Groups[1].Value);
        using var signOut = await http.PostAsync("/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal("/login", signOut.Headers.Location!.OriginalString);
        Assert.Contains(host.Logs.Lines, l => l.Contains("[1402]", StringComparison.Ordinal) && l.Contains(DashboardHost.AdminUser, StringComparison.Ordinal));
        using var after = await http.GetAsync("/hangfire");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Theory]
    [InlineData("https://evil.example/hangfire")]
    [InlineData("//evil.example/hangfire")]
    [InlineData("/\\evil.example")]
    [InlineData("/health/ready")]
    public async Task After_sign_in_only_a_dashboard_page_is_a_return_address(string returnUrl)
    {
        using var http = Client(out _);
        using var response = await PostSignInAsync(http, await FormTokenAsync(http), DashboardHost.ViewerUser, host.ViewerPassword, returnUrl);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/hangfire", response.Headers.Location!.OriginalString);
    }
}
