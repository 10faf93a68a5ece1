using System.Collections.Concurrent;
using System.Diagnostics;
using ComplaintGrpc.IntegrationTests.Dashboard;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Storage.Telemetry;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace ComplaintGrpc.IntegrationTests.Telemetry;

/// <summary>
/// A Hangfire job runs in the trace of the code that enqueued it: enqueued under a span, stored in PostgreSQL, picked
/// up by a real Hangfire server, and performed under a consumer span whose parent is the enqueuing span.
/// </summary>
[Trait("Tier", "Integration")]
[Collection(HangfireStatics.AloneCollection)]
public sealed class HangfireTraceTests
{
    [Fact]
    public async Task A_job_is_performed_under_a_span_whose_parent_is_the_span_that_enqueued_it()
    {
        HangfireJobTelemetry.Register();
        // No host here: Hangfire's global log provider and job activator may still be a disposed test host's; this test
        // runs alone, sets the provider (every host sets its own again when it starts) and passes its own activator.
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(new SilentLogProvider());
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == ComplaintTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(await TestDatabase.CreateAsync(), new PostgreSqlStorageOptions()),
            new PostgreSqlStorageOptions { SchemaName = "hangfire", QueuePollInterval = TimeSpan.FromMilliseconds(100), PrepareSchemaIfNecessary = true });
        var key = Guid.NewGuid().ToString("N");

        var sweep = new Activity("outbox sweep").SetIdFormat(ActivityIdFormat.W3C).Start();
        new BackgroundJobClient(storage).Enqueue(() => TracedJob.Record(key));
        sweep.Stop();
        Activity.Current = null;

        using var server = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = 1, Activator = new JobActivator() }, storage);
        var seen = await Poll.UntilAsync(() => Task.FromResult(TracedJob.Seen.TryGetValue(key, out var s) ? s : default), s => s.Name is not null,
            what: "the job to run");
        Assert.Equal(($"hangfire {nameof(TracedJob)}.{nameof(TracedJob.Record)}", sweep.TraceId, sweep.SpanId), seen);
    }
}

/// <summary>The job of <see cref="HangfireTraceTests"/>: records the span it runs under.</summary>
public static class TracedJob
{
    public static readonly ConcurrentDictionary<string, (string? Name, ActivityTraceId TraceId, ActivitySpanId ParentSpanId)> Seen = new();

    public static void Record(string key)
    {
        var current = Activity.Current;
        Seen[key] = (current?.DisplayName, current?.TraceId ?? default, current?.ParentSpanId ?? default);
    }
}

internal sealed class SilentLogProvider : Hangfire.Logging.ILogProvider
{
    public Hangfire.Logging.ILog GetLogger(string name) => new Silent();

    private sealed class Silent : Hangfire.Logging.ILog
    {
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
