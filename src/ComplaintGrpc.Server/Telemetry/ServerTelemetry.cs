using ComplaintGrpc.Storage.Telemetry;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace ComplaintGrpc.Server.Telemetry;

/// <summary>The server's telemetry: the shared traces, metrics and logs, the backlog gauge, and the Prometheus scrape
/// endpoint <c>/metrics</c> on the admin port (beside the health endpoints and the dashboard; never on the gRPC port).</summary>
public static class ServerTelemetry
{
    public static WebApplicationBuilder AddServerTelemetry(this WebApplicationBuilder builder)
    {
        builder.AddComplaintTelemetry("complaints-server", m => m.AddPrometheusExporter());
        builder.Services.AddHostedService<BacklogGauge>();
        builder.Services.AddTransient<IStartupFilter, ScrapeEndpointOnAdminPort>();
        return builder;
    }

    /// <summary>First in the pipeline, so that neither authentication nor the request gate sees a scrape.</summary>
    private sealed class ScrapeEndpointOnAdminPort(IOptions<ServerOptions> server) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            var adminPort = server.Value.AdminPort;
            app.UseOpenTelemetryPrometheusScrapingEndpoint(context =>
                context.Connection.LocalPort == adminPort && context.Request.Path == "/metrics");
            next(app);
        };
    }
}
