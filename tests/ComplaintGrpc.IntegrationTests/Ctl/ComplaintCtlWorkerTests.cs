using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Dashboard;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace ComplaintGrpc.IntegrationTests.Ctl;

/// <summary>
/// <c>complaintctl report run</c> without <c>--wait</c>: the server hands the run to the worker (a real worker process
/// on the same database) as a Hangfire job, and the tool waits, showing progress, until the worker has stored the
/// report. Alone in the Hangfire-clients collection, because the server in this process enqueues the job.
/// </summary>
[Collection(HangfireStatics.AloneCollection)]
public sealed class ComplaintCtlWorkerTests(ServerHost host, ITestOutputHelper output) : IClassFixture<ServerHost>
{
    [Fact]
    public async Task Report_run_waits_for_the_workers_run_then_reports_the_stored_generation()
    {
        var shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var reportDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, shanghai).DateTime).AddDays(-2)
            .ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string[] server = ["--server", $"http://127.0.0.1:{host.GrpcPort}", "--token", host.DeskToken];
        await using var worker = WorkerProcess.Start(host.ConnectionString);

        // Twice: the second run must wait for the worker's second computation, not take the first report for it.
        for (var generation = 1; generation <= 2; generation++)
        {
            var run = await ComplaintCtl.RunAsync(output, ["report", "run", "--date", reportDate, "--timeout", "00:01:30", .. server]);
            Assert.True(run.ExitCode == 0, $"{run}\n--- worker ---\n{worker.Output}");
            Assert.Contains($"report {reportDate}: run ", run.Stderr, StringComparison.Ordinal);
            Assert.Contains(" queued for the worker\n", run.Stderr, StringComparison.Ordinal);
            Assert.EndsWith($"report {reportDate}: stored\n", run.Stderr, StringComparison.Ordinal);

            using var desk = host.ChannelFor(host.DeskToken);
            var stored = await new ReportService.ReportServiceClient(desk).GetBacklogReportAsync(new GetBacklogReportRequest { ReportDate = reportDate });
            Assert.Equal(generation, stored.Summary.Generation);
            Assert.Equal(ReportTrigger.Administrator, stored.Summary.Trigger);
            Assert.StartsWith($"report {reportDate} generation {generation},", run.Stdout, StringComparison.Ordinal);
        }
    }
}
