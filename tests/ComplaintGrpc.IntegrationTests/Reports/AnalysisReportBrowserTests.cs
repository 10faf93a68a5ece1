using ComplaintGrpc.Contracts.V1;
using Grpc.Core;
using static ComplaintGrpc.IntegrationTests.Reports.AnalysisReportFixture;

namespace ComplaintGrpc.IntegrationTests.Reports;

/// <summary>
/// The monthly report's HTML page, downloaded over gRPC and opened in headless Chromium: its five charts and tables
/// render with the report's numbers, and its Chinese text renders as Chinese (<see cref="ChineseGlyphs"/>).
/// </summary>
public sealed class AnalysisReportBrowserTests(AnalysisReportFixture host) : IClassFixture<AnalysisReportFixture>
{
    private sealed record PageFacts(int Svgs, int CategoryRows, int CurrentBars, int UnitBars, int HotspotBars, int HotspotYearBars, int RectificationBars, int OutageMatchBars, string Title, string OutageSubtotal, bool ChartsVisible, int ExternalResources);

    [Fact]
    public async Task The_monthly_html_renders_its_charts_and_chinese_text_in_chromium()
    {
        await host.ReportClient.RunAnalysisReportAsync(new RunAnalysisReportRequest { Month = Month });
        using var call = host.ReportClient.DownloadAnalysisReport(new DownloadAnalysisReportRequest { Month = Month, Format = ReportFormat.Html });
        var bytes = new List<byte>();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
            bytes.AddRange(chunk.Data);

        var folder = Environment.GetEnvironmentVariable("REPORT_SCREENSHOT_DIR") is { Length: > 0 } dir ? dir : Path.Combine(AppContext.BaseDirectory, "report-screenshots");
        Directory.CreateDirectory(folder);
        var page = Path.Combine(folder, $"analysis-{Month}.html");
        await File.WriteAllBytesAsync(page, bytes.ToArray());

        await using var chromium = await HeadlessChromium.StartAsync();
        var session = await chromium.OpenAsync(new Uri(page).AbsoluteUri, 1280, 900);
        var facts = await chromium.EvaluateAsync<PageFacts>(session, """
            (() => {
              const q = s => document.querySelectorAll(s);
              const charts = [...q('svg')].map(s => s.getBoundingClientRect());
              return {
                Svgs: q('svg').length,
                CategoryRows: q('#table-category tr').length - 1,
                CurrentBars: q('#chart-category rect.bar.current').length,
                UnitBars: q('#chart-unit rect.bar').length,
                HotspotBars: q('#chart-hotspots rect.bar').length,
                HotspotYearBars: q('#chart-hotspots rect.bar.previous-year').length,
                RectificationBars: q('#chart-rectifications rect.bar').length,
                OutageMatchBars: q('#chart-outage-matches rect.bar').length,
                Title: document.querySelector('h1').textContent,
                OutageSubtotal: [...q('#table-category tr')].find(r => r.cells[0].textContent === '停送电投诉').cells[2].textContent,
                ChartsVisible: charts.every(r => r.width > 100 && r.height > 40),
                ExternalResources: performance.getEntriesByType('resource').length,
              };
            })()
            """);
        // Category, channel, unit, root cause, substantiation, hotspots, repeats, rectifications, outage matches.
        Assert.Equal(9, facts.Svgs);
        // Five categories, each with a subtotal row, plus six sub-categories with a case in one of the periods.
        Assert.Equal(5 + 6, facts.CategoryRows);
        Assert.Equal(5, facts.CurrentBars);
        // Province, two cities and the undispatched cases, three bars (month, month before, year before) each.
        Assert.Equal(4 * 3, facts.UnitBars);
        // Seven hotspots (three grains), the month and the month before only; four rectification rows, three bars each.
        Assert.Equal((7 * 2, 0), (facts.HotspotBars, facts.HotspotYearBars));
        Assert.Equal(4 * 3, facts.RectificationBars);
        // Announced, unannounced, none: three bars each.
        Assert.Equal(3 * 3, facts.OutageMatchBars);
        Assert.Equal($"投诉分析月报 · {Month}", facts.Title);
        Assert.Equal("3", facts.OutageSubtotal);
        Assert.True(facts.ChartsVisible, "the charts are laid out with a size");
        Assert.Equal(0, facts.ExternalResources);

        await ChineseGlyphs.AssertRenderAsync(chromium, session, "投诉电");

        var png = await chromium.ScreenshotAsync(session);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        await File.WriteAllBytesAsync(Path.Combine(folder, $"analysis-{Month}.png"), png);
    }
}
