using ComplaintGrpc.Storage.Rectification;
using Quartz;

namespace ComplaintGrpc.Worker.Rectification;

public static class RectificationWork
{
    /// <summary>The rectifications' settings, checked at start.</summary>
    public static HostApplicationBuilder AddRectificationWork(this HostApplicationBuilder builder)
    {
        builder.AddRectificationOptions();
        builder.Services.AddOptions<RectificationWorkOptions>().BindConfiguration("Rectification").ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    /// <summary>Two clustered Quartz jobs for all rectifications (never one trigger per rectification): the clock sweep
    /// on the deadline sweep's interval, the evaluation every <see cref="RectificationWorkOptions.EvaluationInterval"/>.</summary>
    public static void ScheduleRectificationJobs(this IQuartzBuilder q, TimeSpan sweepInterval, RectificationWorkOptions options)
    {
        q.ScheduleJob<RectificationSweepJob>(trigger => trigger
            .WithIdentity("rectification-sweep")
            .StartNow()
            .WithSimpleSchedule(s => s.WithInterval(sweepInterval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)),
            job => job.WithIdentity("rectification-sweep"));
        q.ScheduleJob<RectificationEvaluationJob>(trigger => trigger
            .WithIdentity("rectification-evaluation")
            .StartNow()
            .WithSimpleSchedule(s => s.WithInterval(options.EvaluationInterval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)),
            job => job.WithIdentity("rectification-evaluation"));
    }
}
