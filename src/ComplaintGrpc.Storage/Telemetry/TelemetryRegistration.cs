using System.ComponentModel.DataAnnotations;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ComplaintGrpc.Storage.Telemetry;

/// <summary>Bound from <c>Telemetry:*</c> (env <c>Telemetry__OtlpEndpoint</c>, ...).</summary>
public sealed class TelemetryOptions
{
    /// <summary>OTLP collector (e.g. <c>http://otel-collector:4317</c>) that receives traces and metrics; unset and no
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>: nothing is pushed (the Prometheus endpoint still serves metrics).</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>Worker only: port of its Prometheus scrape endpoint (<c>/metrics</c>); 0 (the default) turns it off.
    /// The server serves <c>/metrics</c> on its admin port instead.</summary>
    [Range(0, 65535)]
    public int MetricsPort { get; set; }
}

/// <summary>
/// OpenTelemetry and structured logs, the same for both hosts (eShop's ServiceDefaults habit): traces of incoming gRPC
/// calls (ASP.NET Core), of every Npgsql command and of the service's own spans (Hangfire jobs, the deadline sweep); the service's meters, Npgsql's and ASP.NET Core's; OTLP export when an endpoint is configured. Log lines carry
/// the trace and span id (<see cref="ActivityTrackingOptions"/>) and, with the JSON console formatter chosen by
/// <c>Logging__Console__FormatterName=json</c>, their scopes (the case number, see <see cref="CaseLogScope"/>).
/// </summary>
public static class TelemetryRegistration
{
    public static IHostApplicationBuilder AddComplaintTelemetry(this IHostApplicationBuilder builder, string serviceName,
        Action<MeterProviderBuilder>? metrics = null, Action<TracerProviderBuilder>? tracing = null)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration("Telemetry").ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection("Telemetry").Get<TelemetryOptions>() ?? new TelemetryOptions();

        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        // Scopes are what carries case_number and trace_id on a JSON line; the simple formatter keeps its one-line form.
        builder.Services.Configure<JsonConsoleFormatterOptions>(o => o.IncludeScopes = true);

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(t =>
            {
                t.AddSource(ComplaintTelemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddNpgsql();
                tracing?.Invoke(t);
            })
            .WithMetrics(m =>
            {
                m.AddMeter(ComplaintTelemetry.Name, $"{ComplaintTelemetry.Name}.*", "Npgsql")
                    .AddAspNetCoreInstrumentation();
                metrics?.Invoke(m);
            });
        // The standard variable works as well as our setting; the SDK reads it when no endpoint is passed.
        if (options.OtlpEndpoint is { } endpoint)
            telemetry.UseOtlpExporter(OpenTelemetry.Exporter.OtlpExportProtocol.Grpc, endpoint);
        else if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            telemetry.UseOtlpExporter();

        HangfireJobTelemetry.Register();
        return builder;
    }
}
