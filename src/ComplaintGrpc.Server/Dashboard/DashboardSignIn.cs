using Hangfire;
using Hangfire.Dashboard;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace ComplaintGrpc.Server.Dashboard;

/// <summary>
/// The Hangfire dashboard behind a sign-in: configured accounts (<c>Dashboard:Accounts</c>), a cookie of its own
/// ("dashboard" scheme, next to the gRPC callers' JWT bearer default), and no anonymous access from anywhere, loopback
/// included. <c>viewer</c> gets Hangfire's read-only dashboard, <c>admin</c> the full one.
/// </summary>
public static class DashboardSignIn
{
    public const string Scheme = "dashboard";
    public const string Policy = "dashboard";
    public const string DashboardPath = "/hangfire";
    public const string SignInPath = "/login";
    public const string SignOutPath = "/logout";

    public static WebApplicationBuilder AddDashboardSignIn(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardSignInOptions>().BindConfiguration("Dashboard").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<DashboardAccounts>();
        // Guards the sign-in form and, because Hangfire uses IAntiforgery when the host registers it, the dashboard's
        // own POST commands (trigger, requeue, delete) too.
        builder.Services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "complaints.antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        builder.Services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = "complaints.dashboard";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            // Secure whenever the admin port is served over HTTPS, as it should be in production (ops/README.md).
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            o.LoginPath = SignInPath;
            o.Events = new CookieAuthenticationEvents
            {
                // A browser opening a page is sent to the sign-in form; anything else (scripts, curl, the dashboard's
                // own XHR polling after the session ended) gets a plain 401.
                OnRedirectToLogin = context =>
                {
                    if (IsPageRequest(context.Request))
                        context.Response.Redirect(context.RedirectUri);
                    else
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                },
                OnRedirectToAccessDenied = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                },
                // An account removed, re-roled or given a new password ends its open sessions at their next request.
                OnValidatePrincipal = async context =>
                {
                    if (context.Principal is { } principal && !context.HttpContext.RequestServices.GetRequiredService<DashboardAccounts>().IsCurrent(principal))
                    {
                        context.RejectPrincipal();
                        await context.HttpContext.SignOutAsync(Scheme);
                    }
                },
            };
        });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Policy, p => p.AddAuthenticationSchemes(Scheme).RequireRole(DashboardRoles.Admin, DashboardRoles.Viewer));
        return builder;
    }

    /// <summary>Maps the sign-in pages and the dashboard on the admin port (<paramref name="adminHost"/>, e.g. <c>*:5081</c>).</summary>
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder endpoints, string adminHost)
    {
        SignInPages.Map(endpoints, adminHost);
        SchedulesPage.Map(endpoints, adminHost);
        AddSchedulesMenuItem();
        endpoints.MapHangfireDashboard(DashboardPath, new DashboardOptions
            {
                // Replaces Hangfire's default filter, which lets every loopback address in without a sign-in.
                Authorization = [new SignedInDashboardUser()],
                IsReadOnlyFunc = context => !context.GetHttpContext().User.IsInRole(DashboardRoles.Admin),
                // The footer would otherwise show the database host and name to every viewer.
                DisplayStorageConnectionString = false,
                // There is no site to go back to on the admin port.
                AppPath = null,
                DashboardTitle = "Complaint jobs",
            })
            .RequireHost(adminHost)
            .RequireAuthorization(Policy);
        return endpoints;
    }

    private static int _schedulesLinked;

    /// <summary>Links the schedules page from the dashboard's navigation menu. Hangfire's menu is process-wide, so the
    /// item is added once however many hosts a process builds.</summary>
    private static void AddSchedulesMenuItem()
    {
        if (Interlocked.Exchange(ref _schedulesLinked, 1) == 0)
            NavigationMenu.Items.Add(_ => new MenuItem("Schedules (Quartz)", SchedulesPage.Path));
    }

    private static bool IsPageRequest(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && !request.Headers.ContainsKey("X-Requested-With")
        && request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Hangfire's own check, behind the endpoint's authorization policy: a second lock on the same door, so that the
    /// dashboard stays closed even if the endpoint were ever mapped without the policy.
    /// </summary>
    private sealed class SignedInDashboardUser : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context)
        {
            var user = context.GetHttpContext().User;
            return user.Identity is { IsAuthenticated: true, AuthenticationType: Scheme }
                && (user.IsInRole(DashboardRoles.Admin) || user.IsInRole(DashboardRoles.Viewer));
        }
    }
}
