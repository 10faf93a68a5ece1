using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;

namespace ComplaintGrpc.Server.Dashboard;

/// <summary>
/// <c>GET/POST /login</c> and <c>GET/POST /logout</c>: small server-rendered forms, each carrying an antiforgery token
/// that the POST checks before anything else. The token is checked here explicitly rather than through form binding, so
/// the check does not depend on where the antiforgery middleware sits in the pipeline.
/// </summary>
internal static class SignInPages
{
    private const string Styles = "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}"
        + "main{max-width:22rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px #0002}"
        + "h1{font-size:1.3rem;margin-top:0}label{display:block;margin:.8rem 0 .2rem}"
        + "input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.45rem}"
        + "button{margin-top:1.2rem;padding:.5rem 1.2rem}.error{color:#a00}";

    public static void Map(IEndpointRouteBuilder endpoints, string adminHost)
    {
        // AllowAnonymous: these pages must stay reachable even if a fallback policy is ever added.
        endpoints.MapGet(DashboardSignIn.SignInPath, ShowSignIn).RequireHost(adminHost).AllowAnonymous();
        endpoints.MapPost(DashboardSignIn.SignInPath, SignInAsync).RequireHost(adminHost).AllowAnonymous();
        endpoints.MapGet(DashboardSignIn.SignOutPath, ShowSignOut).RequireHost(adminHost).AllowAnonymous();
        endpoints.MapPost(DashboardSignIn.SignOutPath, SignOutAsync).RequireHost(adminHost).AllowAnonymous();
    }

    private static IResult ShowSignIn(HttpContext context, [FromServices] IAntiforgery antiforgery) =>
        SignInForm(context, antiforgery, StatusCodes.Status200OK, context.Request.Query["ReturnUrl"].ToString(), userName: "", error: null);

    private static async Task<IResult> SignInAsync(HttpContext context, [FromServices] IAntiforgery antiforgery, [FromServices] DashboardAccounts accounts)
    {
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context))
            return SignInForm(context, antiforgery, StatusCodes.Status400BadRequest, "", "", "The form had expired. Please sign in again.");

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var userName = form["UserName"].ToString();
        var returnUrl = form["ReturnUrl"].ToString();
        if (accounts.SignIn(userName, form["Password"].ToString()) is not { } principal)
            return SignInForm(context, antiforgery, StatusCodes.Status401Unauthorized, returnUrl, userName, "Wrong user name or password.");

        var target = DashboardReturnUrl(returnUrl);
        // Session cookie (gone when the browser closes); the ticket inside expires 8 h after the last request.
        await context.SignInAsync(DashboardSignIn.Scheme, principal, new AuthenticationProperties { IsPersistent = false, RedirectUri = target });
        return Results.Redirect(target);
    }

    private static IResult ShowSignOut(HttpContext context, [FromServices] IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return Page(context, StatusCodes.Status200OK, "Sign out", $"""
            <form method="post" action="{DashboardSignIn.SignOutPath}">
            {TokenField(tokens)}
            <button type="submit" id="sign-out">Sign out</button>
            </form>
            """);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, [FromServices] IAntiforgery antiforgery, [FromServices] DashboardAccounts accounts)
    {
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context))
            return ShowSignOut(context, antiforgery);
        var session = await context.AuthenticateAsync(DashboardSignIn.Scheme);
        if (session.Principal is { } principal)
            accounts.SignedOut(principal);
        await context.SignOutAsync(DashboardSignIn.Scheme);
        return Results.Redirect(DashboardSignIn.SignInPath);
    }

    private static IResult SignInForm(HttpContext context, IAntiforgery antiforgery, int status, string returnUrl, string userName, string? error)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var html = HtmlEncoder.Default;
        var message = error is null ? "" : $"""<p class="error" role="alert" id="sign-in-error">{html.Encode(error)}</p>""";
        return Page(context, status, "Sign in", $"""
            {message}
            <form method="post" action="{DashboardSignIn.SignInPath}">
            {TokenField(tokens)}
            <input type="hidden" name="ReturnUrl" value="{html.Encode(DashboardReturnUrl(returnUrl))}">
            <label for="username">User name</label>
            <input type="text" id="username" name="UserName" value="{html.Encode(userName)}" autocomplete="username" required autofocus>
            <label for="password">Password</label>
            <input type="password" id="password" name="Password" autocomplete="current-password" required>
            <button type="submit" id="sign-in">Sign in</button>
            </form>
            """);
    }

    private static string TokenField(AntiforgeryTokenSet tokens) =>
        $"""<input type="hidden" name="{HtmlEncoder.Default.Encode(tokens.FormFieldName)}" value="{HtmlEncoder.Default.Encode(tokens.RequestToken ?? "")}">""";

    private static IResult Page(HttpContext context, int status, string title, string body)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        return Results.Content($"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{title} · Complaint jobs</title><style>{Styles}</style></head>
            <body><main>
            <h1>{title} · Complaint jobs</h1>
            {body}
            </main></body>
            </html>
            """, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }

    /// <summary>Only a page of the dashboard itself or the schedules page: never another site (open redirect) or another
    /// path of this host.</summary>
    internal static string DashboardReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url
            && (url == DashboardSignIn.DashboardPath || url == SchedulesPage.Path || url.StartsWith(DashboardSignIn.DashboardPath + "/", StringComparison.Ordinal))
            && !url.Contains('\\', StringComparison.Ordinal)
            && !url.Contains("//", StringComparison.Ordinal)
            ? url
            : DashboardSignIn.DashboardPath;
}
