using System.ComponentModel.DataAnnotations;
using ComplaintGrpc.Storage;
using ComplaintGrpc.Storage.Jobs;
using ComplaintGrpc.Worker.Analysis;
using ComplaintGrpc.Worker.Calendar;
using ComplaintGrpc.Worker.Evaluation;
using ComplaintGrpc.Worker.Notifications;
using ComplaintGrpc.Worker.Rectification;
using ComplaintGrpc.Worker.Telemetry;
using ComplaintGrpc.Worker.Scheduling;
using ComplaintGrpc.Worker.TimeLimits;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Quartz;

namespace ComplaintGrpc.Worker;

/// <summary>Bound from <c>Worker:*</c> (env <c>Worker__OutboxSweepInterval</c>, ...).</summary>
public sealed class WorkerOptions
{
    /// <summary>How often the outbox is swept for notifications to hand to Hangfire.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan OutboxSweepInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A delivery handed to Hangfire but neither claimed nor delivered after this long is handed over again
    /// (its worker died before claiming it, its job was deleted, or the hand-over's commit was lost). Short, because a
    /// repeated hand-over is cheap and safe: a job claims before it sends, and failures wait out their back-off.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RedeliverAfter { get; set; } = TimeSpan.FromSeconds(60);

    [Range(1, 10_000)]
    public int OutboxBatchSize { get; set; } = 200;

    /// <summary>How often the worker looks for clocks whose next milestone has come.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan DeadlineSweepInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Due clocks taken per batch (one transaction); their cases are locked and all their due clocks acted on.</summary>
    [Range(1, 10_000)]
    public int ClockBatchSize { get; set; } = 500;

    /// <summary>How long one deadline sweep may keep taking batches before it leaves the rest to the next firing.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan DeadlineSweepMaxRun { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A case whose due clocks cannot be acted on (the failure is logged) is looked at again after this long.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ClockRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Hangfire worker threads in this process for the <c>default</c> queue (report runs, the calendar check).
    /// Deliveries over external channels have their own queues and workers (<see cref="DeliveryOptions.WorkerCount"/>).</summary>
    [Range(1, 100)]
    public int HangfireWorkerCount { get; set; } = 4;
}

public static class WorkerComposition
{
    public static HostApplicationBuilder AddComplaintWorker(this HostApplicationBuilder builder)
    {
        // Storage first: migrations finish before Hangfire or Quartz touch the database.
        builder.AddComplaintStorage();
        builder.AddWorkerTelemetry();
        builder.AddHangfireStorage();
        builder.AddTimeLimits();
        builder.Services.AddOptions<WorkerOptions>().BindConfiguration("Worker").ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection("Worker").Get<WorkerOptions>() ?? new WorkerOptions();
        builder.Services.TryAddSingleton(TimeProvider.System);

        // Hangfire runs administrators' runs, the calendar check and batches of external deliveries, so failures are
        // visible in the dashboard. Clocks are not among them: the deadline sweep acts on them in set-based batches
        // itself. Each external channel gets its own queue and Hangfire server (workers), so a slow or hung endpoint
        // occupies only its own channel's workers, never the default queue's or another channel's.
        builder.Services.AddHangfireServer(o =>
        {
            o.WorkerCount = options.HangfireWorkerCount;
            o.Queues = [EnqueuedState.DefaultQueue];
        });
        builder.Services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var delivery = builder.Configuration.GetSection(DeliveryOptions.Section).Get<DeliveryOptions>() ?? new DeliveryOptions();
        var notifications = NotificationOptions.From(builder.Configuration);
        foreach (var channel in new[] { WebhookChannel.ChannelName, EmailChannel.ChannelName }.Where(notifications.Uses))
        {
            builder.Services.AddHangfireServer(o =>
            {
                o.ServerName = $"{Environment.MachineName}:{DeliveryOptions.QueueOf(channel)}";
                o.WorkerCount = delivery.WorkerCount;
                o.Queues = [DeliveryOptions.QueueOf(channel)];
            });
        }
        builder.Services.AddTransient<NotificationDelivery>();
        builder.Services.AddTransient<INotificationDeliveryJob, NotificationDelivery>();
        // Inbox always; Webhook and Email when a Notifications channel list names them (settings validated at start).
        builder.AddNotificationChannels();

        // Quartz decides when: clustered on the same PostgreSQL, so with several workers each firing runs on one node.
        var connectionString = builder.Configuration.GetConnectionString("Complaints") ?? "";
        builder.AddRectificationWork();
        var rectification = builder.Configuration.GetSection("Rectification").Get<RectificationWorkOptions>() ?? new RectificationWorkOptions();
        builder.Services.AddQuartz(q =>
        {
            // One name for the whole cluster (it keys the qrtz_* rows); each process gets a generated instance id.
            q.ConfigureScheduler(o => o.InstanceName = "complaints-worker");
            // Every firing's outcome, for the schedules page on the server's admin port.
            q.AddJobListener<ScheduledRunRecorder>();
            q.UsePersistentStore(store =>
            {
                store.UsePostgres(connectionString);
                store.UseClustering();
                store.UseSystemTextJsonSerializer();
                // Quartz creates its own tables (qrtz_*) from the schema it ships; ours come from our migrations.
                store.ProvisionSchema();
            });
            q.ScheduleJob<OutboxSweepJob>(trigger => trigger
                .WithIdentity("outbox-sweep")
                .StartNow()
                .WithSimpleSchedule(s => s.WithInterval(options.OutboxSweepInterval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)),
                job => job.WithIdentity("outbox-sweep"));
            q.ScheduleJob<DeadlineSweepJob>(trigger => trigger
                .WithIdentity("deadline-sweep")
                .StartNow()
                .WithSimpleSchedule(s => s.WithInterval(options.DeadlineSweepInterval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)),
                job => job.WithIdentity("deadline-sweep"));
            q.ScheduleRectificationJobs(options.DeadlineSweepInterval, rectification);
        });
        builder.Services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
        builder.AddCalendarCoverageCheck();
        builder.AddBacklogReport();
        builder.AddQualitySampling();
        builder.AddHotspotFlags();
        return builder;
    }
}
