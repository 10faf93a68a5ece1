using System.Diagnostics;
using Hangfire;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.Server;

namespace ComplaintGrpc.Storage.Telemetry;

/// <summary>
/// Hangfire has no OpenTelemetry of its own. Enqueuing stores the current trace context as the job parameter
/// <c>traceparent</c>; performing starts a consumer span under it (so a delivery is part of the trace of the sweep that
/// handed it over, also when it runs on another worker or after a restart), and records the run's duration.
/// </summary>
public sealed class HangfireJobTelemetry : JobFilterAttribute, IClientFilter, IServerFilter
{
    private const string TraceParent = "traceparent";
    private const string SpanItem = "complaints.span";
    private const string StartedItem = "complaints.started";
    private static readonly Lock Registering = new();

    /// <summary>Adds the filter to Hangfire's global filters once per process (every host built in a test process calls it).</summary>
    public static void Register()
    {
        lock (Registering)
        {
            if (!GlobalJobFilters.Filters.Any(f => f.Instance is HangfireJobTelemetry))
                GlobalJobFilters.Filters.Add(new HangfireJobTelemetry());
        }
    }

    public void OnCreating(CreatingContext context)
    {
        if (Activity.Current is { } current)
            context.SetJobParameter(TraceParent, current.Id);
    }

    public void OnCreated(CreatedContext context)
    {
    }

    public void OnPerforming(PerformingContext context)
    {
        var parent = context.GetJobParameter<string>(TraceParent);
        ActivityContext.TryParse(parent, null, out var parentContext);
        var span = ComplaintTelemetry.Source.StartActivity($"hangfire {JobName(context.BackgroundJob.Job)}", ActivityKind.Consumer, parentContext);
        span?.SetTag("hangfire.job_id", context.BackgroundJob.Id);
        context.Items[SpanItem] = span;
        context.Items[StartedItem] = Stopwatch.GetTimestamp();
    }

    public void OnPerformed(PerformedContext context)
    {
        var failed = context.Exception is not null && !context.ExceptionHandled;
        if (context.Items.TryGetValue(SpanItem, out var item) && item is Activity span)
        {
            if (failed)
                span.SetStatus(ActivityStatusCode.Error, context.Exception!.GetType().Name);
            span.Dispose();
        }
        if (context.Items.TryGetValue(StartedItem, out var started) && started is long timestamp)
            ComplaintTelemetry.JobDuration.Record(Stopwatch.GetElapsedTime(timestamp).TotalSeconds,
                ComplaintTelemetry.Tag("scheduler", "hangfire"), ComplaintTelemetry.Tag("job", JobName(context.BackgroundJob.Job)),
                ComplaintTelemetry.Tag("outcome", failed ? "failed" : "succeeded"));
    }

    private static string JobName(Job job) => $"{job.Type.Name}.{job.Method.Name}";
}
