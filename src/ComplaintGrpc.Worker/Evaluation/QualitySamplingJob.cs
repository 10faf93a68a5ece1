using ComplaintGrpc.Domain.Evaluation;
using ComplaintGrpc.Storage.Evaluation;
using Microsoft.Extensions.Options;
using Quartz;

namespace ComplaintGrpc.Worker.Evaluation;

public static class QualitySamplingRegistration
{
    public static readonly JobKey JobKey = new("quality-sampling");
    public static readonly TriggerKey TriggerKey = new("quality-sampling");

    /// <summary>The weekly quality draw of 不属实 findings: one clustered Quartz cron trigger (<c>Evaluation:Sampling:Cron</c>,
    /// default Monday 02:30 Asia/Shanghai), one firing per week for all cities and cases.</summary>
    public static HostApplicationBuilder AddQualitySampling(this HostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SamplingOptions>().Bind(builder.Configuration.GetSection("Evaluation:Sampling"))
            .Validate(o => CronExpression.TryParse(o.Cron, out _), "Evaluation:Sampling:Cron must be a Quartz cron expression (seconds first).")
            .Validate(o => TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _), "Evaluation:Sampling:TimeZone must be an IANA time zone.")
            .Validate(o => o.Share is > 0 and <= 1 && o.Minimum >= 0 && o.RepeatWindowDays >= 0 && o.Seed.Length > 0,
                "Evaluation:Sampling needs 0 < Share <= 1, Minimum >= 0, RepeatWindowDays >= 0 and a Seed.")
            .ValidateOnStart();
        builder.Services.AddSingleton<QualitySampler>();
        builder.Services.AddTransient<QualitySamplingJob>();
        builder.Services.AddHostedService<QualitySamplingTrigger>();
        return builder;
    }
}

/// <summary>One weekly firing: samples the week before the firing's scheduled local date. The cluster runs each firing
/// on one worker; a firing run twice adds nothing (entries are unique per case and week, the draw deterministic).</summary>
[DisallowConcurrentExecution]
public sealed class QualitySamplingJob(QualitySampler sampler, ILogger<QualitySamplingJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var scheduled = context.ScheduledFireTimeUtc ?? context.FireTimeUtc;
        var week = QualitySampling.PreviousWeekStart(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(scheduled, sampler.Zone).DateTime));
        var drawn = await sampler.RunAsync(week, cancellationToken);
        QualitySamplingLog.Drawn(logger, week, drawn.Count);
    }
}

/// <summary>Stores the weekly trigger once; an unchanged trigger is left alone so a firing missed while every worker was
/// down is caught up once ("fire once now"), as for the backlog report.</summary>
internal sealed class QualitySamplingTrigger(IScheduler scheduler, IOptions<SamplingOptions> options, QualitySampler sampler) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var cron = options.Value.Cron;
        var job = JobBuilder.Create<QualitySamplingJob>().WithIdentity(QualitySamplingRegistration.JobKey).StoreDurably().Build();
        await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
        var trigger = TriggerBuilder.Create()
            .WithIdentity(QualitySamplingRegistration.TriggerKey)
            .ForJob(QualitySamplingRegistration.JobKey)
            .WithCronSchedule(cron, c => c.InTimeZone(sampler.Zone).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .Build();
        var existing = await scheduler.GetTrigger(QualitySamplingRegistration.TriggerKey, cancellationToken) as ICronTrigger;
        if (existing is not null && existing.CronExpressionString == cron && existing.TimeZone.Id == sampler.Zone.Id)
            return;
        try
        {
            if (existing is null)
                await scheduler.ScheduleJob(trigger, default, cancellationToken);
            else
                await scheduler.RescheduleJob(QualitySamplingRegistration.TriggerKey, trigger, cancellationToken);
        }
        catch (ObjectAlreadyExistsException)
        {
            // Another worker of the cluster stored it between our read and our write: same configuration.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static partial class QualitySamplingLog
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Information, Message = "Quality sampling of the week starting {WeekStart}: {Drawn} cases drawn")]
    public static partial void Drawn(ILogger logger, DateOnly weekStart, int drawn);
}
