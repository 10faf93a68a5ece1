using Dapper;
using Npgsql;
using Quartz;

namespace ComplaintGrpc.Worker.Scheduling;

/// <summary>
/// Records the outcome of every Quartz firing in <c>scheduled_job_runs</c> (one row per job, the last run), for the
/// admin port's schedules page. Best effort: a failure to record is logged and never fails, retries or holds up the job,
/// whose own work has already committed or rolled back.
/// </summary>
public sealed partial class ScheduledRunRecorder(NpgsqlDataSource db, ILogger<ScheduledRunRecorder> logger) : IJobListener
{
    /// <summary>Longer results and failure messages are cut to this many characters.</summary>
    public const int MaxResultLength = 500;

    public async ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var job = context.JobDetail.Key;
        var result = jobException is null ? context.Result?.ToString() : (jobException.InnerException ?? jobException).Message;
        if (result is { Length: > MaxResultLength })
            result = result[..MaxResultLength] + "…";
        try
        {
            var instance = await context.Scheduler.GetSchedulerInstanceId(cancellationToken);
            await using var connection = await db.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO scheduled_job_runs (job_group, job_name, trigger_name, fired_at, duration_ms, succeeded, result, instance_id)
                VALUES (@group, @name, @trigger, @firedAt, @durationMs, @succeeded, @result, @instance)
                ON CONFLICT (job_group, job_name) DO UPDATE SET trigger_name = excluded.trigger_name, fired_at = excluded.fired_at,
                    duration_ms = excluded.duration_ms, succeeded = excluded.succeeded, result = excluded.result,
                    instance_id = excluded.instance_id
                -- A slow run that ends after a later one must not hide it.
                WHERE scheduled_job_runs.fired_at <= excluded.fired_at
                """, new
            {
                group = job.Group,
                name = job.Name,
                trigger = context.Trigger.Key.Name,
                firedAt = context.FireTimeUtc.UtcDateTime,
                durationMs = (long)context.JobRunTime.TotalMilliseconds,
                succeeded = jobException is null,
                result,
                instance,
            }, cancellationToken: cancellationToken));
        }
        // Every failure is caught: a listener's exception would reach Quartz's completion of the firing, and recording
        // is only best effort.
        catch (Exception ex)
        {
            LogNotRecorded(logger, job.Name, ex.Message);
        }
    }

    [LoggerMessage(EventId = 2500, Level = LogLevel.Warning, Message = "The run of scheduled job {Job} was not recorded for the schedules page: {Error}")]
    private static partial void LogNotRecorded(ILogger logger, string job, string error);
}
