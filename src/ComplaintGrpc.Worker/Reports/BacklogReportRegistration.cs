using ComplaintGrpc.Reporting;
using ComplaintGrpc.Worker.Reports;
using Quartz;

namespace ComplaintGrpc.Worker;

public static class BacklogReportRegistration
{
    public static readonly JobKey JobKey = new("backlog-report");
    public static readonly TriggerKey TriggerKey = new("backlog-report");

    /// <summary>
    /// The nightly backlog report: a clustered Quartz cron trigger (<c>Reports:Cron</c> in <c>Reports:TimeZone</c>,
    /// default 06:30 Asia/Shanghai) computes the previous day's report, and administrators' runs arrive as Hangfire
    /// jobs. Needs the worker's Quartz and Hangfire set up (<see cref="WorkerComposition"/>).
    /// </summary>
    public static HostApplicationBuilder AddBacklogReport(this HostApplicationBuilder builder)
    {
        builder.AddBacklogReports();
        builder.Services.AddOptions<ReportOptions>()
            .Validate(o => CronExpression.TryParse(o.Cron, out _), "Reports:Cron must be a Quartz cron expression (seconds first), e.g. \"0 30 6 * * ?\".");
        builder.Services.AddTransient<BacklogReportCronJob>();
        // Stored through the scheduler rather than the worker's AddQuartz call, which owns the one scheduler registration.
        builder.Services.AddHostedService<BacklogReportTrigger>();

        // The monthly analysis report: a second clustered cron trigger, Reports:Monthly:DayOfMonth and :Time.
        builder.Services.AddOptions<AnalysisReportScheduleOptions>().BindConfiguration("Reports:Monthly")
            .ValidateDataAnnotations()
            .Validate(o => o.IsWholeMinuteOfDay, "Reports:Monthly:Time must be a time of day in whole minutes, e.g. 07:00.")
            .ValidateOnStart();
        builder.Services.AddTransient<AnalysisReportCronJob>();
        builder.Services.AddHostedService<AnalysisReportTrigger>();
        return builder;
    }
}

