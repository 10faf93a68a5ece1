using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography.X509Certificates;
using ComplaintGrpc.Server.Complaints;
using ComplaintGrpc.Server.Dashboard;
using ComplaintGrpc.Server.Evaluation;
using ComplaintGrpc.Storage.Rectification;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Notifications;
using ComplaintGrpc.Server.Organization;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Server.Telemetry;
using ComplaintGrpc.Server.TimeLimits;
using ComplaintGrpc.Reporting;
using ComplaintGrpc.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ComplaintGrpc.Server;

/// <summary>Bound from <c>Server:*</c> (env <c>Server__GrpcPort</c>, ...).</summary>
public sealed class ServerOptions
{
    /// <summary>gRPC, HTTP/2 only: Kestrel cannot offer h2c and HTTP/1.1 on one plaintext port.</summary>
    [Range(0, 65535)]
    public int GrpcPort { get; set; } = 5080;

    /// <summary>HTTP/1.1: health endpoints and the Hangfire dashboard.</summary>
    [Range(0, 65535)]
    public int AdminPort { get; set; } = 5081;

    /// <summary>Largest request message accepted; larger ones are RESOURCE_EXHAUSTED before any handler runs.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxReceiveMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>PEM certificate (chain) and key: when both are set, both ports serve TLS only (gRPC then over HTTP/2
    /// with ALPN, the admin port over HTTPS).</summary>
    public string? TlsCertificateFile { get; set; }

    public string? TlsKeyFile { get; set; }

    public X509Certificate2? TlsCertificate() =>
        string.IsNullOrEmpty(TlsCertificateFile) ? null : X509Certificate2.CreateFromPemFile(TlsCertificateFile, TlsKeyFile);
}

public static class ServerComposition
{
    public static WebApplicationBuilder AddComplaintServer(this WebApplicationBuilder builder)
    {
        // Storage first: its migration service must finish before Kestrel takes calls.
        builder.AddComplaintStorage();
        builder.AddServerTelemetry();
        // Only the storage, for the dashboard: jobs run in the worker process, never here.
        builder.AddHangfireStorage();
        builder.AddTimeLimits();
        builder.AddBacklogReports();
        builder.AddCallerSecurity();
        builder.AddDashboardSignIn();

        builder.Services.AddOptions<LimitOptions>().BindConfiguration("Limits").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<ServerOptions>().BindConfiguration("Server").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddIntake();
        var server = builder.Configuration.GetSection("Server").Get<ServerOptions>() ?? new ServerOptions();
        var certificate = server.TlsCertificate();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ListenAnyIP(server.GrpcPort, o =>
            {
                o.Protocols = HttpProtocols.Http2;
                if (certificate is not null) o.UseHttps(certificate);
            });
            kestrel.ListenAnyIP(server.AdminPort, o =>
            {
                o.Protocols = HttpProtocols.Http1;
                if (certificate is not null) o.UseHttps(certificate);
            });
        });

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddGrpc(o =>
        {
            // Outermost first: every error status is bounded in size, whoever made it; errors from every later stage
            // are mapped; rate limiting comes before any work; personal data is masked on the way out.
            o.Interceptors.Add<StatusSizeLimit>();
            o.Interceptors.Add<ErrorMappingInterceptor>();
            o.Interceptors.Add<SubmissionRateLimit>();
            o.Interceptors.Add<PersonalDataInterceptor>();
            o.MaxReceiveMessageSize = server.MaxReceiveMessageBytes;
            // Errors are mapped with care in the interceptor; never send exception text to callers.
            o.EnableDetailedErrors = false;
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks();
        builder.Services.AddScoped<CaseTransitions>();
        builder.Services.AddEvaluation(builder.Configuration);
        builder.AddRectificationOptions();
        builder.Services.AddSingleton<PersonalDataInterceptor>();
        builder.Services.AddSingleton<DatabaseOutages>();
        builder.Services.AddSingleton<CaseClocks>();
        builder.Services.AddSingleton<TaxonomyStore>();
        builder.Services.AddSingleton<NotificationFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NotificationFeed>());
        return builder;
    }

    public static WebApplication MapComplaintServer(this WebApplication app)
    {
        var server = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ServerOptions>>().Value;
        var grpcHost = $"*:{server.GrpcPort}";
        var adminHost = $"*:{server.AdminPort}";

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRequestMessageGate(); // Broken request messages end here, after authorization, before Grpc.AspNetCore parses them.
        const string caller = SecurityRegistration.CallerPolicy;
        app.MapGrpcService<ComplaintEndpoint>().RequireHost(grpcHost).RequireAuthorization(caller);
        app.MapGrpcService<OrganizationEndpoint>().RequireHost(grpcHost).RequireAuthorization(caller);
        app.MapGrpcService<NotificationEndpoint>().RequireHost(grpcHost).RequireAuthorization(caller);
        app.MapGrpcService<SlaEndpoint>().RequireHost(grpcHost).RequireAuthorization(caller);
        app.MapGrpcService<Reports.ReportEndpoint>().RequireHost(grpcHost).RequireAuthorization(caller);
        app.MapGrpcService<Evaluation.QualityEndpoint>().RequireHost(grpcHost).RequireAuthorization(caller);
        app.MapGrpcService<Rectification.RectificationEndpoint>().RequireHost(grpcHost).RequireAuthorization(caller);
        app.MapGrpcService<Library.CaseLibraryEndpoint>().RequireHost(grpcHost).RequireAuthorization(caller);
        app.MapGrpcService<Analysis.AnalysisEndpoint>().RequireHost(grpcHost).RequireAuthorization(caller);
        app.MapGrpcService<Outages.OutageNoticeEndpoint>().RequireHost(grpcHost).RequireAuthorization(caller);
        app.MapGrpcService<Taxonomies.TaxonomyEndpoint>().RequireHost(grpcHost).RequireAuthorization(caller);
        var reflection = app.MapGrpcReflectionService().RequireHost(grpcHost);
        var health = app.MapGrpcHealthChecksService().RequireHost(grpcHost);
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AuthOptions>>().Value.ProtectHealthAndReflection)
        {
            reflection.RequireAuthorization(caller);
            health.RequireAuthorization(caller);
        }

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).RequireHost(adminHost);
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).RequireHost(adminHost);
        app.MapDashboard(adminHost);
        return app;
    }
}
