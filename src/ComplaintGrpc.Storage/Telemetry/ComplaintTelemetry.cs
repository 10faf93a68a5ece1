using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ComplaintGrpc.Storage.Telemetry;

/// <summary>
/// The service's own spans and instruments, one source and one meter for both hosts (named <c>ComplaintGrpc</c>, so one
/// <c>AddSource</c>/<c>AddMeter</c> exports them). Static, so that code the tests build without DI (the deadline sweep)
/// records into the same instruments a host's meter provider listens to. ops/README.md "Telemetry" lists every one.
/// </summary>
public static class ComplaintTelemetry
{
    public const string Name = "ComplaintGrpc";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Submitted =
        Meter.CreateCounter<long>("complaints.submitted", "{case}", "Complaints accepted as new cases (idempotent replays are not counted)");

    public static readonly Counter<long> Reminders =
        Meter.CreateCounter<long>("complaints.clock.reminders", "{notification}", "Reminders (催办) raised by the deadline sweep, by clock");

    public static readonly Counter<long> Breaches =
        Meter.CreateCounter<long>("complaints.clock.breaches", "{clock}", "Time limits breached, recorded by the deadline sweep, by clock");

    public static readonly Counter<long> Escalations =
        Meter.CreateCounter<long>("complaints.clock.escalations", "{notification}", "Escalations (督办) raised to unit heads, by clock");

    public static readonly Counter<long> Delivered =
        Meter.CreateCounter<long>("complaints.notifications.delivered", "{delivery}", "Notification deliveries made, by channel");

    public static readonly Counter<long> DeliveryFailed =
        Meter.CreateCounter<long>("complaints.notifications.failed", "{delivery}", "Notification delivery attempts that failed, by channel");

    public static readonly Histogram<double> JobDuration =
        Meter.CreateHistogram<double>("complaints.job.duration", "s", "Background job runs, by scheduler (quartz, hangfire), job and outcome");

    public static readonly Histogram<double> ReportDuration =
        Meter.CreateHistogram<double>("complaints.report.duration", "s", "Report computations, by report");

    public static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}
