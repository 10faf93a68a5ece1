using ComplaintGrpc.IntegrationTests.Infrastructure;

namespace ComplaintGrpc.IntegrationTests.Telemetry;

/// <summary>The worker process's own Prometheus endpoint (<c>Telemetry__MetricsPort</c>), scraped over HTTP.</summary>
[Trait("Tier", "Integration")]
public sealed class WorkerMetricsTests
{
    [Fact]
    public async Task A_worker_with_a_metrics_port_serves_the_durations_of_its_quartz_jobs()
    {
        var port = FreePort.Next();
        await using var worker = WorkerProcess.Start(await TestDatabase.CreateAsync(),
            new Dictionary<string, string> { ["Telemetry__MetricsPort"] = port.ToString() });

        // The outbox sweep fires every 200 ms in a test worker: its firings are counted by Quartz's own histogram.
        var scraped = await Poll.UntilAsync(async () =>
        {
            try { return await Scrape.GetAsync(port); }
            catch (HttpRequestException) { return ""; }
        }, text => Scrape.Sum(text, "quartz_job_execution_duration_seconds_count", "outbox-sweep") >= 2 || worker.HasExited,
            TimeSpan.FromSeconds(60), "the worker's scrape to count outbox sweeps");
        Assert.False(worker.HasExited, worker.Output);
        Assert.True(Scrape.Has(scraped, "quartz_job_execution_duration"), scraped);
    }
}
