using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Storage;
using ComplaintGrpc.Reporting;
using Microsoft.Extensions.Options;
using Quartz;

namespace ComplaintGrpc.Worker.Reports;

/// <summary>
/// One firing of the nightly trigger: computes the report of the day before the firing's scheduled local date and
/// stores it. The cluster runs each firing on one worker (Quartz row locks in PostgreSQL); should a firing still run
/// twice (a node dies mid-run and the firing is recovered), the second run replaces the first report, never adds one.
/// </summary>
[DisallowConcurrentExecution]
public sealed class BacklogReportCronJob(BacklogReports reports) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var scheduled = context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        var date = ReportWindow.LatestCompleteDate(scheduled, reports.Zone);
        await reports.RunAsync(Guid.CreateVersion7(), date, ReportTrigger.Schedule, "schedule", scheduled, cancellationToken);
    }
}

/// <summary>
/// Keeps the stored cron trigger as configured without resetting it on every start. Quartz's own start-up scheduling
/// replaces a trigger and so forgets a firing missed while every worker was down; here an unchanged trigger is left
/// alone, so on start the cluster sees the missed firing and, with "fire once now", catches it up exactly once. A
/// changed cron expression or time zone replaces the trigger (from now on).
/// </summary>
internal sealed class BacklogReportTrigger(IScheduler scheduler, IOptions<ReportOptions> options, ILogger<BacklogReportTrigger> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var job = JobBuilder.Create<BacklogReportCronJob>().WithIdentity(BacklogReportRegistration.JobKey).StoreDurably().Build();
        await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
        var trigger = TriggerBuilder.Create()
            .WithIdentity(BacklogReportRegistration.TriggerKey)
            .ForJob(BacklogReportRegistration.JobKey)
            .WithCronSchedule(o.Cron, c => c.InTimeZone(o.Zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .Build();
        var existing = await scheduler.GetTrigger(BacklogReportRegistration.TriggerKey, cancellationToken) as ICronTrigger;
        if (existing is not null && existing.CronExpressionString == o.Cron && existing.TimeZone.Id == o.Zone.Id)
            return;
        try
        {
            if (existing is null)
                await scheduler.ScheduleJob(trigger, default, cancellationToken);
            else
                await scheduler.RescheduleJob(BacklogReportRegistration.TriggerKey, trigger, cancellationToken);
            ReportScheduleLog.TriggerScheduled(logger, o.Cron, o.Zone.Id);
        }
        catch (ObjectAlreadyExistsException)
        {
            // Another worker of the cluster stored it between our read and our write: same configuration, nothing to do.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static partial class ReportScheduleLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Backlog report trigger scheduled: cron {Cron} in {TimeZone}")]
    public static partial void TriggerScheduled(ILogger logger, string cron, string timeZone);
}
