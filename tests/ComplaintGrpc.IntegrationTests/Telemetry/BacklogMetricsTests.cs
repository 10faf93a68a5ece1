using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Reports;

namespace ComplaintGrpc.IntegrationTests.Telemetry;

/// <summary>The backlog gauge and the report duration on the server's <c>/metrics</c>, after a backlog report of the
/// seeded scenario is run.</summary>
[Trait("Tier", "Integration")]
[Collection(GaugesAlone.Name)]
public sealed class BacklogMetricsTests(ReportFixture host) : IClassFixture<ReportFixture>
{
    [Fact]
    public async Task After_a_backlog_report_the_gauge_shows_each_units_open_cases_and_the_report_is_timed()
    {
        var before = await Scrape.GetAsync(host.AdminPort);
        var report = (await host.ReportClient.RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = ReportFixture.ReportDate, Wait = true })).Report;
        var station = report.Units.Single(u => u.UnitId == ReportFixture.Station1);
        Assert.True(station.Own.Open > 0);

        var after = await Infrastructure.Poll.UntilAsync(() => Scrape.GetAsync(host.AdminPort),
            text => Scrape.Sum(text, "complaints_report_duration_seconds_count", "report=\"backlog\"")
                > Scrape.Sum(before, "complaints_report_duration_seconds_count", "report=\"backlog\""),
            what: "the backlog report's duration to be recorded");
        foreach (var unit in report.Units)
            Assert.Equal(unit.Own.Open.ToString(CultureInfo.InvariantCulture),
                after.Split('\n').Single(l => l.StartsWith("complaints_backlog_open{", StringComparison.Ordinal) && l.Contains($"unit=\"{unit.UnitId}\"", StringComparison.Ordinal)).Split(' ')[1]);
    }
}

/// <summary>
/// Each server host creates its backlog gauge on a meter from its own IMeterFactory, but a meter provider subscribes by
/// meter name, so in a test process every host's provider sees every host's gauge under one stream, and a host disposed
/// meanwhile ends that stream. (A deployed server is one host per process.) Tests that read the gauge run alone, after
/// the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GaugesAlone
{
    public const string Name = "Telemetry gauges alone";
}
