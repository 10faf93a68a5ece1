using System.ComponentModel.DataAnnotations;
using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Reporting;
using Microsoft.Extensions.Options;
using Quartz;

namespace ComplaintGrpc.Worker.Reports;

/// <summary>Bound from <c>Reports:Monthly:*</c>: when the monthly analysis report runs, in <c>Reports:TimeZone</c>.</summary>
public sealed class AnalysisReportScheduleOptions
{
    /// <summary>The day of the month it runs on; at most 28 so that every month has it.</summary>
    [Range(1, 28)]
    public int DayOfMonth { get; set; } = 1;

    /// <summary>The local time of day it runs at (whole minutes). 07:00 follows the nightly report's 06:30.</summary>
    public TimeSpan Time { get; set; } = new(7, 0, 0);

    public bool IsWholeMinuteOfDay => Time >= TimeSpan.Zero && Time < TimeSpan.FromDays(1) && Time.Seconds == 0 && Time.Milliseconds == 0;

    /// <summary>The Quartz cron expression (seconds first) of the configured day and time.</summary>
    public string Cron => string.Create(CultureInfo.InvariantCulture, $"0 {Time.Minutes} {Time.Hours} {DayOfMonth} * ?");
}

/// <summary>
/// One firing of the monthly trigger: the report of the month before the firing's scheduled local date. Not replacing:
/// a firing run twice (a node died mid-run and the firing was recovered) or a catch-up after downtime finds the month
/// stored and leaves it as it is.
/// </summary>
[DisallowConcurrentExecution]
public sealed class AnalysisReportCronJob(AnalysisReports reports) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var scheduled = context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        var month = AnalysisMonth.Before(scheduled, reports.Zone);
        await reports.RunAsync(month, replace: false, ReportTrigger.Schedule, "schedule", scheduled, cancellationToken);
    }
}

/// <summary>
/// Keeps the stored monthly cron trigger as configured without resetting it on every start (as
/// <see cref="BacklogReportTrigger"/>): an unchanged trigger is left alone so that a firing missed while every worker
/// was down is caught up once ("fire once now"); a changed day, time or zone replaces it from now on.
/// </summary>
public sealed class AnalysisReportTrigger(IScheduler scheduler, IOptions<AnalysisReportScheduleOptions> schedule, IOptions<ReportOptions> reportOptions,
    ILogger<AnalysisReportTrigger> logger) : IHostedService
{
    public static readonly JobKey JobKey = new("analysis-report");
    public static readonly TriggerKey TriggerKey = new("analysis-report");

    /// <summary>The trigger the options describe; the schedule tests compute its firings with Quartz itself.</summary>
    public static ITrigger Build(AnalysisReportScheduleOptions options, TimeZoneInfo zone) => TriggerBuilder.Create()
        .WithIdentity(TriggerKey)
        .ForJob(JobKey)
        .WithCronSchedule(options.Cron, c => c.InTimeZone(zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
        .Build();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var cron = schedule.Value.Cron;
        var zone = reportOptions.Value.Zone;
        var job = JobBuilder.Create<AnalysisReportCronJob>().WithIdentity(JobKey).StoreDurably().Build();
        await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
        var existing = await scheduler.GetTrigger(TriggerKey, cancellationToken) as ICronTrigger;
        if (existing is not null && existing.CronExpressionString == cron && existing.TimeZone.Id == zone.Id)
            return;
        try
        {
            var trigger = Build(schedule.Value, zone);
            if (existing is null)
                await scheduler.ScheduleJob(trigger, default, cancellationToken);
            else
                await scheduler.RescheduleJob(TriggerKey, trigger, cancellationToken);
            AnalysisScheduleLog.TriggerScheduled(logger, cron, zone.Id);
        }
        catch (ObjectAlreadyExistsException)
        {
            // Another worker of the cluster stored it between our read and our write: same configuration, nothing to do.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static partial class AnalysisScheduleLog
{
    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Monthly analysis report trigger scheduled: cron {Cron} in {TimeZone}")]
    public static partial void TriggerScheduled(ILogger logger, string cron, string timeZone);
}
