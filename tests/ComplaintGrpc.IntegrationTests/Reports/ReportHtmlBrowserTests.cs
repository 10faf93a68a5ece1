using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using Grpc.Core;
using static ComplaintGrpc.IntegrationTests.Reports.ReportFixture;

namespace ComplaintGrpc.IntegrationTests.Reports;

/// <summary>
/// The HTML report, downloaded over gRPC as a manager's mail client would get it, opened in headless Chromium: the
/// four charts (backlog, ageing, trend, hotspot feeders) and the tables render with the report's numbers, and its
/// Chinese unit names and categories render as Chinese, not boxes (<see cref="ChineseGlyphs"/>). A screenshot is kept
/// under the test results folder (REPORT_SCREENSHOT_DIR, set by ops/test.sh; else beside the test assembly).
/// </summary>
public sealed class ReportHtmlBrowserTests(ReportFixture host) : IClassFixture<ReportFixture>
{
    private sealed record PageFacts(int Svgs, int Bars, int BacklogBars, int AgeingBars, int TrendPoints, int TrendLines,
        int MinBarWidth, int HotspotBars, int HotspotRows, int OverdueRows, int DueSoonRows, int BacklogRows, string Title, string FirstOverdueCell, bool ChartsVisible, int ExternalResources,
        string[] BacklogUnits, string[] BacklogColumns);

    [Fact]
    public async Task The_html_report_renders_its_charts_and_tables_in_chromium()
    {
        await host.ReportClient.RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = ReportDate, Wait = true });
        using var call = host.ReportClient.DownloadReport(new DownloadReportRequest { ReportDate = ReportDate, Format = ReportFormat.Html });
        var bytes = new List<byte>();
        var name = "";
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            name = chunk.FileName.Length > 0 ? chunk.FileName : name;
            bytes.AddRange(chunk.Data);
        }
        Assert.Equal($"backlog-{ReportDate}.html", name);

        var folder = Environment.GetEnvironmentVariable("REPORT_SCREENSHOT_DIR") is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "report-screenshots");
        Directory.CreateDirectory(folder);
        var page = Path.Combine(folder, name);
        await File.WriteAllBytesAsync(page, bytes.ToArray());

        await using var chromium = await HeadlessChromium.StartAsync();
        var session = await chromium.OpenAsync(new Uri(page).AbsoluteUri, 1280, 900);
        var facts = await chromium.EvaluateAsync<PageFacts>(session, """
            (() => {
              const q = s => document.querySelectorAll(s);
              const widths = [...q('rect.bar')].map(r => r.getBoundingClientRect().width);
              const charts = ['chart-backlog', 'chart-ageing', 'chart-trend', 'chart-hotspots'].map(id => document.getElementById(id).getBoundingClientRect());
              return {
                Svgs: q('svg').length,
                Bars: q('rect.bar').length,
                BacklogBars: q('#chart-backlog rect.bar').length,
                AgeingBars: q('#chart-ageing rect.bar').length,
                TrendPoints: q('#chart-trend circle').length,
                TrendLines: q('#chart-trend polyline').length,
                MinBarWidth: Math.floor(Math.min(...widths)),
                HotspotBars: q('#chart-hotspots rect.hotspot-bar').length,
                HotspotRows: q('#table-hotspots tr').length - 1,
                OverdueRows: q('#table-overdue tr').length - 1,
                DueSoonRows: q('#table-due-soon tr').length - 1,
                BacklogRows: q('#table-backlog tr').length - 1,
                Title: document.querySelector('h1').textContent,
                FirstOverdueCell: document.querySelector('#table-overdue tr:nth-child(2) td:nth-child(2)').textContent,
                ChartsVisible: charts.every(r => r.width > 100 && r.height > 100),
                ExternalResources: performance.getEntriesByType('resource').length,
                BacklogUnits: [...q('#table-backlog tr')].slice(1).map(r => r.cells[0].textContent),
                BacklogColumns: [...q('#table-backlog tr:first-child th')].map(c => c.textContent),
              };
            })()
            """);

        Assert.Equal(4, facts.Svgs);
        // Three hotspot feeders (station 1, station 2, undispatched): a bar and a table row each.
        Assert.Equal((3, 3), (facts.HotspotBars, facts.HotspotRows));
        // Five units plus the undispatched cases; five age buckets; 14 days x (received, closed).
        Assert.Equal((6, 5, 28, 2), (facts.BacklogBars, facts.AgeingBars, facts.TrendPoints, facts.TrendLines));
        Assert.Equal(11, facts.Bars);
        Assert.True(facts.MinBarWidth >= 1, "every bar is drawn");
        Assert.True(facts.ChartsVisible, "the charts are laid out with a size");
        Assert.Equal((7, 2), (facts.OverdueRows, facts.DueSoonRows));
        // The whole organisation, five units, the undispatched cases.
        Assert.Equal(7, facts.BacklogRows);
        Assert.Equal($"投诉积压日报 · {ReportDate}", facts.Title);
        Assert.Equal("答复", facts.FirstOverdueCell);
        Assert.Equal(0, facts.ExternalResources);
        // The fixture's units and the taxonomy's categories are named in Chinese, as a utility's are (units indented
        // under their parent with ideographic spaces).
        Assert.Superset(new HashSet<string> { "江苏省电力公司", "南京供电公司", "江宁供电公司", "东山供电所", "秣陵供电所" },
            facts.BacklogUnits.Select(u => u.TrimStart('\u3000')).ToHashSet());
        var categories = Enum.GetValues<Category>().Skip(1).Select(Taxonomy.ChineseName).ToList();
        Assert.Superset(categories.ToHashSet(), facts.BacklogColumns.ToHashSet());
        Assert.All(categories, c => Assert.Matches(@"^\p{IsCJKUnifiedIdeographs}+$", c));
        await ChineseGlyphs.AssertRenderAsync(chromium, session, "东山秣陵供电所" + string.Concat(categories));

        var png = await chromium.ScreenshotAsync(session);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        Assert.True(png.Length > 20_000, $"a screenshot with content ({png.Length} bytes)");
        await File.WriteAllBytesAsync(Path.Combine(folder, $"backlog-{ReportDate}.png"), png);
    }
}
