using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.IntegrationTests.TimeLimits;

namespace ComplaintGrpc.IntegrationTests.Telemetry;

/// <summary>
/// The server's Prometheus endpoint on its admin port, scraped over HTTP while the real server takes submits and the
/// worker's deadline sweep and outbox sweep (in-process, on the host's fake clock) raise and deliver a reminder. The
/// instruments are process-wide, so other tests running at the same time can only add: each check is "moved by at least".
/// </summary>
[Trait("Tier", "Integration")]
public sealed class MetricsScrapeTests(SweepHost host) : IClassFixture<SweepHost>
{
    private static readonly MilestoneOptions NoQuietHours = new() { QuietHoursStart = new TimeOnly(0, 0), QuietHoursEnd = new TimeOnly(0, 0) };

    private Task<string> ScrapeAsync() => Scrape.GetAsync(host.AdminPort);

    private async Task MovedAsync(string before, string metric, string? label, double by)
    {
        var start = Scrape.Sum(before, metric, label);
        await Poll.UntilAsync(ScrapeAsync, now => Scrape.Sum(now, metric, label) >= start + by, what: $"{metric} {label} to move by {by} from {start}");
    }

    [Fact]
    public async Task The_admin_port_serves_metrics_whose_counters_move_after_a_submit_and_after_a_reminder()
    {
        var org = await host.OrganizationWithHeadsAsync();
        var before = await ScrapeAsync();

        var start = host.AdvanceToLocal(9);
        var c = await host.AssignedCaseAsync(org, start);
        await MovedAsync(before, "complaints_submitted_total", "channel=\"Phone95598\"", 1);
        // gRPC calls are timed by ASP.NET Core's own instrument, recorded once the response has gone out, so a scrape
        // right after the reply may come before it.
        var afterSubmit = await Poll.UntilAsync(ScrapeAsync, now => Scrape.Has(now, "http_server_request_duration_seconds_count"),
            what: "http_server_request_duration_seconds_count on the scrape");

        host.AdvanceTo(start.AddHours(12));
        await host.SweepAsync(NoQuietHours);
        Assert.Contains(await host.RaisedAsync(c.Id, "FirstContact"), r => r.Milestone == "reminder-50");
        await MovedAsync(afterSubmit, "complaints_clock_reminders_total", "clock=\"FirstContact\"", 1);

        await host.OutboxAsync();
        await MovedAsync(afterSubmit, "complaints_notifications_delivered_total", "channel=\"Inbox\"", 1);
    }

    [Fact]
    public async Task A_breach_moves_the_breach_counter_of_its_clock()
    {
        var org = await host.OrganizationWithHeadsAsync();
        var start = host.AdvanceToLocal(9);
        var c = await host.AssignedCaseAsync(org, start);
        var before = await ScrapeAsync();

        host.AdvanceTo(start.AddHours(24).AddSeconds(10));
        await host.SweepAsync(NoQuietHours);
        Assert.Contains(await host.RaisedAsync(c.Id, "FirstContact"), r => r.Kind == "Breach");
        await MovedAsync(before, "complaints_clock_breaches_total", "clock=\"FirstContact\"", 1);
        await MovedAsync(before, "complaints_clock_escalations_total", "clock=\"FirstContact\"", 1);
    }

    [Fact]
    public async Task Metrics_are_not_served_on_the_grpc_port()
    {
        using var http = new HttpClient();
        // The gRPC port speaks HTTP/2 only (prior knowledge); /metrics must not answer there.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{host.GrpcPort}/metrics")
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }
}
