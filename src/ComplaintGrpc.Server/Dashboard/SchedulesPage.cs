using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using ComplaintGrpc.Domain.TimeLimits;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Server.Dashboard;

/// <summary>
/// <c>GET /admin/schedules</c> on the admin port, behind the dashboard sign-in: the worker's Quartz schedules (job,
/// trigger, cron expression or interval, state, next and previous fire time) read from Quartz's clustered store in
/// PostgreSQL (<c>qrtz_*</c>), with each job's last run (result, duration, success) from <c>scheduled_job_runs</c>,
/// which the worker's listener writes. Read-only SQL: the server never changes a schedule. The Hangfire dashboard
/// links here from its navigation menu, so all background work is seen from one place.
/// </summary>
public static class SchedulesPage
{
    public const string Path = "/admin/schedules";

    /// <summary>The worker's Quartz scheduler name (<c>qrtz_*.sched_name</c>), set in its composition.</summary>
    public const string SchedulerName = "complaints-worker";

    private const string Styles = "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:1.5rem}"
        + "table{border-collapse:collapse;background:#fff;width:100%}th,td{padding:.4rem .6rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
        + "th{background:#eef}td.failed{color:#a00}nav a{margin-right:1rem}";

    /// <summary>One trigger with its job and the job's last recorded run.</summary>
    public sealed record Row(string JobName, string JobGroup, string TriggerName, string TriggerState, string TriggerType,
        string? CronExpression, string? TimeZoneId, long? RepeatInterval, long? NextFireTime, long? PrevFireTime,
        DateTime? LastFiredAt, long? LastDurationMs, bool? LastSucceeded, string? LastResult);

    public static void Map(IEndpointRouteBuilder endpoints, string adminHost) =>
        endpoints.MapGet(Path, RenderAsync).RequireHost(adminHost).RequireAuthorization(DashboardSignIn.Policy);

    /// <summary>Every trigger of the worker's scheduler, by job name.</summary>
    public static async Task<IReadOnlyList<Row>> ReadAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var connection = await db.OpenConnectionAsync(ct);
        // Before the worker has ever started, Quartz has not created its tables: nothing is scheduled yet.
        if (await connection.ExecuteScalarAsync<string?>(new CommandDefinition("SELECT to_regclass('qrtz_triggers')::text", cancellationToken: ct)) is null)
            return [];
        return [.. await connection.QueryAsync<Row>(new CommandDefinition("""
            SELECT t.job_name AS JobName, t.job_group AS JobGroup, t.trigger_name AS TriggerName, t.trigger_state AS TriggerState,
                   t.trigger_type AS TriggerType, c.cron_expression AS CronExpression, c.time_zone_id AS TimeZoneId,
                   s.repeat_interval AS RepeatInterval, t.next_fire_time AS NextFireTime, t.prev_fire_time AS PrevFireTime,
                   r.fired_at AS LastFiredAt, r.duration_ms AS LastDurationMs, r.succeeded AS LastSucceeded, r.result AS LastResult
            FROM qrtz_triggers t
            LEFT JOIN qrtz_cron_triggers c USING (sched_name, trigger_name, trigger_group)
            LEFT JOIN qrtz_simple_triggers s USING (sched_name, trigger_name, trigger_group)
            LEFT JOIN scheduled_job_runs r ON r.job_group = t.job_group AND r.job_name = t.job_name
            WHERE t.sched_name = @scheduler
            ORDER BY t.job_name, t.trigger_name
            """, new { scheduler = SchedulerName }, cancellationToken: ct))];
    }

    /// <summary>A Quartz fire time (UTC ticks in the ADO store; null or not positive when there is none).</summary>
    public static DateTimeOffset? FireTime(long? ticks) => ticks is > 0 ? new DateTimeOffset(ticks.Value, TimeSpan.Zero) : null;

    /// <summary>How a trigger repeats, as an administrator reads it.</summary>
    public static string Schedule(Row row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.CronExpression is { } cron)
            return row.TimeZoneId is { } zone ? $"cron {cron} ({zone})" : $"cron {cron}";
        // The ADO store keeps a simple trigger's interval in milliseconds.
        if (row.RepeatInterval is { } ms)
            return "every " + Interval(TimeSpan.FromMilliseconds(ms));
        return row.TriggerType.ToLowerInvariant();
    }

    private static string Interval(TimeSpan span) => span switch
    {
        { TotalDays: >= 1 } when span.TotalDays == Math.Floor(span.TotalDays) => $"{span.TotalDays:0} d",
        { TotalHours: >= 1 } when span.TotalHours == Math.Floor(span.TotalHours) => $"{span.TotalHours:0} h",
        { TotalMinutes: >= 1 } when span.TotalMinutes == Math.Floor(span.TotalMinutes) => $"{span.TotalMinutes:0} min",
        { TotalSeconds: >= 1 } => $"{span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s",
        _ => $"{span.TotalMilliseconds:0} ms",
    };

    private static async Task<IResult> RenderAsync(HttpContext context, NpgsqlDataSource db, TimeProvider clock)
    {
        var rows = await ReadAsync(db, context.RequestAborted);
        var html = HtmlEncoder.Default;
        var zone = DeadlineCalculator.DefaultZone;
        string When(DateTimeOffset? at) => at is { } t ? TimeZoneInfo.ConvertTime(t, zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "—";

        var body = new StringBuilder();
        foreach (var row in rows)
        {
            var last = row.LastFiredAt is { } fired
                ? $"{When(new DateTimeOffset(DateTime.SpecifyKind(fired, DateTimeKind.Utc)))}, {row.LastDurationMs} ms"
                : "not recorded";
            var outcome = row.LastSucceeded switch { true => "succeeded", false => "failed", null => "" };
            body.Append(CultureInfo.InvariantCulture, $"""
                <tr data-job="{html.Encode(row.JobName)}"><td>{html.Encode(row.JobName)}</td><td>{html.Encode(row.TriggerName)}</td>
                <td>{html.Encode(Schedule(row))}</td><td>{html.Encode(row.TriggerState)}</td>
                <td>{When(FireTime(row.NextFireTime))}</td><td>{When(FireTime(row.PrevFireTime))}</td>
                <td>{html.Encode(last)}</td><td class="{outcome}">{html.Encode(outcome)}{(row.LastResult is { } r ? ": " + html.Encode(r) : "")}</td></tr>

                """);
        }
        if (rows.Count == 0)
            body.Append("""<tr><td colspan="8">No schedules: the worker has not started against this database yet.</td></tr>""");

        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        return Results.Content($"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>Schedules · Complaint jobs</title><style>{Styles}</style></head>
            <body>
            <nav><a href="{DashboardSignIn.DashboardPath}">Jobs dashboard</a><a href="{DashboardSignIn.SignOutPath}">Sign out</a></nav>
            <h1>Quartz schedules</h1>
            <p>Times in {html.Encode(zone.Id)}; now {When(clock.GetUtcNow())}. The worker fires these; a job's last run is recorded by the worker after each firing.</p>
            <table id="schedules">
            <thead><tr><th>Job</th><th>Trigger</th><th>Schedule</th><th>State</th><th>Next fire</th><th>Previous fire</th><th>Last run</th><th>Last result</th></tr></thead>
            <tbody>
            {body}
            </tbody>
            </table>
            </body>
            </html>
            """, "text/html; charset=utf-8", Encoding.UTF8);
    }
}
