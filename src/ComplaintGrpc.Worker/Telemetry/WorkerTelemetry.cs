using ComplaintGrpc.Storage.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Quartz.Diagnostics;

namespace ComplaintGrpc.Worker.Telemetry;

/// <summary>The worker's telemetry: the shared traces, metrics and logs; Quartz's own instrumentation (a span per job
/// firing, <c>quartz.job.execution.duration</c>; Quartz 4 publishes both, so no listener of ours); and, when
/// <see cref="TelemetryOptions.MetricsPort"/> is set, a Prometheus scrape endpoint <c>/metrics</c> of its own (the worker
/// has no web server; several workers on one machine need one port each).</summary>
public static class WorkerTelemetry
{
    public static HostApplicationBuilder AddWorkerTelemetry(this HostApplicationBuilder builder)
    {
        var port = builder.Configuration.GetSection("Telemetry").Get<TelemetryOptions>()?.MetricsPort ?? 0;
        builder.AddComplaintTelemetry("complaints-worker",
            metrics =>
            {
                metrics.AddMeter(QuartzInstrumentation.MeterName);
                if (port > 0)
                    metrics.AddPrometheusHttpListener(o =>
                    {
                        o.Port = port;
                        // Every interface, as the server's admin port: the exporter's Host cannot spell the wildcard.
                        o.ConfigureHttpListener = (_, listener) =>
                        {
                            listener.Prefixes.Clear();
                            listener.Prefixes.Add($"http://*:{port}/");
                        };
                    });
            },
            tracing => tracing.AddSource(QuartzInstrumentation.ActivitySourceName));
        return builder;
    }
}
