using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Dapper;

namespace ComplaintGrpc.IntegrationTests.Reports;

/// <summary>
/// The worker processes running the nightly report against the real clock: a clustered cron trigger fires each time
/// on one worker only, a firing missed while every worker was down is caught up once on start, and an administrator's
/// run goes through Hangfire. Each test has its own database (its own Quartz cluster).
/// </summary>
public sealed class ReportScheduleTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private static DateTime Yesterday => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Shanghai).DateTime).AddDays(-1).ToDateTime(TimeOnly.MinValue);

    private sealed record Run(Guid RunId, DateTime ReportDate, string Trigger, DateTime? ScheduledFor, string Node, DateTime? FinishedAt, string? Error);

    private static async Task<List<Run>> RunsAsync(ServerHost host)
    {
        await using var c = await host.Database.OpenConnectionAsync();
        return (await c.QueryAsync<Run>("SELECT run_id, report_date::timestamp AS report_date, trigger, scheduled_for, node, finished_at, error FROM report_runs ORDER BY requested_at")).ToList();
    }

    private static async Task<ServerHost> HostAsync()
    {
        var host = new ServerHost();
        await host.InitializeAsync();
        return host;
    }

    [Fact]
    public async Task Each_cron_firing_runs_on_exactly_one_of_two_workers_and_replaces_the_report()
    {
        var host = await HostAsync();
        try
        {
            var every2s = new Dictionary<string, string> { ["Reports__Cron"] = "0/2 * * * * ?" };
            await using var first = WorkerProcess.Start(host.ConnectionString, every2s);
            await using var second = WorkerProcess.Start(host.ConnectionString, every2s);

            var runs = await Poll.UntilAsync(() => RunsAsync(host),
                r => r.Count(x => x.Trigger == "Schedule" && x.FinishedAt is not null) >= 4, TimeSpan.FromSeconds(60),
                "four scheduled runs; worker output:\n" + first.Output + "\n---\n" + second.Output);

            var scheduled = runs.Where(r => r.Trigger == "Schedule").ToList();
            Assert.All(scheduled, r => Assert.Null(r.Error));
            // One run per firing: no scheduled instant was run twice, though both workers were up all along.
            Assert.Equal(scheduled.Count, scheduled.Select(r => r.ScheduledFor).Distinct().Count());
            Assert.False(first.HasExited || second.HasExited, "both workers stayed up");
            Assert.All(scheduled, r => Assert.Equal(Yesterday, r.ReportDate));

            await using var c = await host.Database.OpenConnectionAsync();
            var reports = (await c.QueryAsync<(DateTime Date, int Generation)>("SELECT report_date::timestamp, generation FROM reports")).ToList();
            var only = Assert.Single(reports);
            Assert.Equal(Yesterday, only.Date);
            Assert.True(only.Generation >= 4, $"each firing replaced the report (generation {only.Generation})");
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_firing_missed_while_every_worker_was_down_is_caught_up_once_on_start()
    {
        var host = await HostAsync();
        try
        {
            await using var c = await host.Database.OpenConnectionAsync();
            async Task<long?> NextFireTicks()
            {
                // Quartz creates its tables when the first worker starts.
                if (!await c.ExecuteScalarAsync<bool>("SELECT to_regclass('qrtz_triggers') IS NOT NULL"))
                    return null;
                return await c.ExecuteScalarAsync<long?>("SELECT next_fire_time FROM qrtz_triggers WHERE trigger_name = 'backlog-report'");
            }

            // The default schedule (06:30 Asia/Shanghai) is stored by the first start.
            await using (var worker = WorkerProcess.Start(host.ConnectionString))
                await Poll.UntilAsync(NextFireTicks, t => t is not null, TimeSpan.FromSeconds(60), "the trigger to be stored; worker output:\n" + worker.Output);

            // All workers down while 06:30 passed: the stored next firing is ten minutes in the past.
            var missed = DateTimeOffset.UtcNow.AddMinutes(-10);
            await c.ExecuteAsync("UPDATE qrtz_triggers SET next_fire_time = @ticks WHERE trigger_name = 'backlog-report'", new { ticks = missed.UtcTicks });
            Assert.Empty(await RunsAsync(host));

            await using var restarted = WorkerProcess.Start(host.ConnectionString);
            var runs = await Poll.UntilAsync(() => RunsAsync(host), r => r.Any(x => x.FinishedAt is not null), TimeSpan.FromSeconds(60),
                "the missed firing to be caught up; worker output:\n" + restarted.Output);
            // Back on the normal schedule: the next firing is the next 06:30, so nothing else is pending.
            var next = await Poll.UntilAsync(NextFireTicks, t => t > DateTimeOffset.UtcNow.UtcTicks, TimeSpan.FromSeconds(30), "the trigger to move on");
            var nextLocal = TimeZoneInfo.ConvertTime(new DateTimeOffset(next!.Value, TimeSpan.Zero), Shanghai);
            Assert.Equal(new TimeOnly(6, 30), TimeOnly.FromDateTime(nextLocal.DateTime));

            var run = Assert.Single(await RunsAsync(host));
            Assert.Equal(("Schedule", Yesterday, (string?)null), (run.Trigger, run.ReportDate, run.Error));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_administrators_run_is_a_hangfire_job_the_worker_runs_and_files_are_written()
    {
        var host = await HostAsync();
        var folder = Directory.CreateTempSubdirectory("report-files-").FullName;
        try
        {
            var date = DateOnly.FromDateTime(Yesterday).AddDays(-3).ToString("yyyy-MM-dd");
            var reply = await new ReportService.ReportServiceClient(host.Channel).RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = date });
            Assert.Null(reply.Report);
            var runId = Guid.Parse(reply.RunId);

            await using var worker = WorkerProcess.Start(host.ConnectionString, new Dictionary<string, string> { ["Reports__OutputFolder"] = folder });
            await using var c = await host.Database.OpenConnectionAsync();
            var state = await Poll.UntilAsync(
                () => c.QuerySingleOrDefaultAsync<string>("SELECT statename FROM hangfire.job WHERE invocationdata::text LIKE '%BacklogReportJob%' ORDER BY id DESC LIMIT 1"),
                s => s == "Succeeded", TimeSpan.FromSeconds(60), "the Hangfire job to succeed; worker output:\n" + worker.Output);
            Assert.Equal("Succeeded", state);

            var run = Assert.Single(await RunsAsync(host), r => r.RunId == runId);
            Assert.Equal(("Administrator", (string?)null), (run.Trigger, run.Error));
            Assert.NotNull(run.FinishedAt);

            var report = await new ReportService.ReportServiceClient(host.Channel).GetBacklogReportAsync(new GetBacklogReportRequest { ReportDate = date });
            Assert.Equal((ReportTrigger.Administrator, "test-desk"), (report.Summary.Trigger, report.Summary.RequestedBy));

            Assert.Equal(
                [$"backlog-{date}-ageing.csv", $"backlog-{date}-backlog.csv", $"backlog-{date}-due-soon.csv", $"backlog-{date}-evaluation.csv", $"backlog-{date}-flow.csv",
                 $"backlog-{date}-outage-matches.csv", $"backlog-{date}-overdue.csv", $"backlog-{date}-ranking.csv", $"backlog-{date}-rectifications.csv", $"backlog-{date}-trend.csv",
                 $"backlog-{date}.html"],
                Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            await host.DisposeAsync();
            Directory.Delete(folder, recursive: true);
        }
    }
}
