using ComplaintGrpc.Reporting.Hotspots;
using Microsoft.Extensions.Options;
using Quartz;

namespace ComplaintGrpc.Worker.Analysis;

public static class HotspotFlagRegistration
{
    public static readonly JobKey JobKey = new("hotspot-flags");
    public static readonly TriggerKey TriggerKey = new("hotspot-flags");

    /// <summary>The frequent-outage / low-voltage flag check: one clustered Quartz cron trigger
    /// (<c>Analysis:HotspotFlags:Cron</c>, default every 15 minutes), one set-based run per firing for every area.</summary>
    public static HostApplicationBuilder AddHotspotFlags(this HostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HotspotFlagOptions>().Bind(builder.Configuration.GetSection("Analysis:HotspotFlags"))
            .ValidateDataAnnotations()
            .Validate(o => CronExpression.TryParse(o.Cron, out _), "Analysis:HotspotFlags:Cron must be a Quartz cron expression (seconds first).")
            .Validate(o => TimeZoneInfo.TryFindSystemTimeZoneById(o.TimeZone, out _), "Analysis:HotspotFlags:TimeZone must be an IANA time zone.")
            .Validate(o => o.SubCategories.Length > 0 && o.SubCategories.All(s => Enum.IsDefined(s) && s != Contracts.V1.SubCategory.Unspecified),
                "Analysis:HotspotFlags:SubCategories must name at least one known sub-category.")
            .ValidateOnStart();
        builder.Services.AddSingleton<HotspotFlags>();
        builder.Services.AddTransient<HotspotFlagJob>();
        builder.Services.AddHostedService<HotspotFlagTrigger>();
        return builder;
    }
}

/// <summary>One check of the current and the previous window as of the worker's clock. Safe to run twice and on racing
/// workers: each flag is inserted once on its key, and its notifications in the same transaction.</summary>
[DisallowConcurrentExecution]
public sealed class HotspotFlagJob(HotspotFlags flags, TimeProvider clock, ILogger<HotspotFlagJob> logger) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await RunAsync(cancellationToken);

    /// <summary>Raises what is due as of the clock now; returns the flags raised by this run (none on a rerun).</summary>
    public async Task<IReadOnlyList<RaisedFlag>> RunAsync(CancellationToken cancellationToken)
    {
        var raised = await flags.RaiseAsync(clock.GetUtcNow(), cancellationToken);
        foreach (var flag in raised)
            HotspotFlagLog.Raised(logger, flag.Grain, flag.Area, flag.UnitId, flag.CaseCount, flag.WindowStart);
        return raised;
    }
}

/// <summary>Stores the trigger once; an unchanged trigger is left alone (as for the quality sampling).</summary>
internal sealed class HotspotFlagTrigger(IScheduler scheduler, IOptions<HotspotFlagOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var cron = options.Value.Cron;
        var job = JobBuilder.Create<HotspotFlagJob>().WithIdentity(HotspotFlagRegistration.JobKey).StoreDurably().Build();
        await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
        var trigger = TriggerBuilder.Create()
            .WithIdentity(HotspotFlagRegistration.TriggerKey)
            .ForJob(HotspotFlagRegistration.JobKey)
            .WithCronSchedule(cron, c => c.WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .Build();
        var existing = await scheduler.GetTrigger(HotspotFlagRegistration.TriggerKey, cancellationToken) as ICronTrigger;
        if (existing is not null && existing.CronExpressionString == cron)
            return;
        try
        {
            if (existing is null)
                await scheduler.ScheduleJob(trigger, default, cancellationToken);
            else
                await scheduler.RescheduleJob(HotspotFlagRegistration.TriggerKey, trigger, cancellationToken);
        }
        catch (ObjectAlreadyExistsException)
        {
            // Another worker of the cluster stored it between our read and our write: same configuration.
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

internal static partial class HotspotFlagLog
{
    [LoggerMessage(EventId = 2300, Level = LogLevel.Warning, Message = "Hotspot flag raised: {Grain} {Area} of unit {UnitId}, {Count} case(s) in the window from {WindowStart:O}")]
    public static partial void Raised(ILogger logger, string grain, string area, string unitId, int count, DateTime windowStart);
}
