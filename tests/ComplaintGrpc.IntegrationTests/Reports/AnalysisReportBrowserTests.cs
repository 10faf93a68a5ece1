using ComplaintGrpc.Contracts.V1;
using Grpc.Core;
using static ComplaintGrpc.IntegrationTests.Reports.AnalysisReportFixture;

namespace ComplaintGrpc.IntegrationTests.Reports;

/// <summary>
/// The monthly report's HTML page, downloaded over gRPC and opened in headless Chromium: its five charts and tables
/// render with the report's numbers, and its Chinese text renders as Chinese. The glyph check draws characters in the
/// page's own font stack on a canvas and compares the pixels: without a CJK font (Debian's fonts-noto-cjk, which
/// ops/test.sh installs) every Chinese character is the same empty box as an unassigned private-use character, so the
/// check fails rather than passing on boxes.
/// </summary>
public sealed class AnalysisReportBrowserTests(AnalysisReportFixture host) : IClassFixture<AnalysisReportFixture>
{
    private sealed record PageFacts(int Svgs, int CategoryRows, int CurrentBars, int UnitBars, int HotspotBars, int HotspotYearBars, int RectificationBars, string Title, string OutageSubtotal, bool ChartsVisible, int ExternalResources);

    private sealed record GlyphFacts(bool Distinct, bool UnlikeMissingGlyph, bool Inked, string Font);

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
                Title: document.querySelector('h1').textContent,
                OutageSubtotal: [...q('#table-category tr')].find(r => r.cells[0].textContent === '停送电投诉').cells[2].textContent,
                ChartsVisible: charts.every(r => r.width > 100 && r.height > 40),
                ExternalResources: performance.getEntriesByType('resource').length,
              };
            })()
            """);
        // Category, channel, unit, root cause, substantiation, hotspots, repeats, rectifications.
        Assert.Equal(8, facts.Svgs);
        // Five categories, each with a subtotal row, plus six sub-categories with a case in one of the periods.
        Assert.Equal(5 + 6, facts.CategoryRows);
        Assert.Equal(5, facts.CurrentBars);
        // Province, two cities and the undispatched cases, three bars (month, month before, year before) each.
        Assert.Equal(4 * 3, facts.UnitBars);
        // Seven hotspots (three grains), the month and the month before only; four rectification rows, three bars each.
        Assert.Equal((7 * 2, 0), (facts.HotspotBars, facts.HotspotYearBars));
        Assert.Equal(4 * 3, facts.RectificationBars);
        Assert.Equal($"投诉分析月报 · {Month}", facts.Title);
        Assert.Equal("3", facts.OutageSubtotal);
        Assert.True(facts.ChartsVisible, "the charts are laid out with a size");
        Assert.Equal(0, facts.ExternalResources);

        var glyphs = await chromium.EvaluateAsync<GlyphFacts>(session, """
            (() => {
              const font = '40px ' + getComputedStyle(document.body).fontFamily;
              const draw = text => {
                const canvas = document.createElement('canvas');
                canvas.width = 64; canvas.height = 64;
                const g = canvas.getContext('2d');
                g.font = font; g.fillStyle = '#000'; g.textBaseline = 'top';
                g.fillText(text, 4, 4);
                const alpha = g.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3);
                return { key: alpha.join(','), ink: alpha.reduce((a, b) => a + (b > 0 ? 1 : 0), 0) };
              };
              const chinese = ['投', '诉', '电'].map(draw);
              const missing = draw('\uE000');
              return {
                Distinct: new Set(chinese.map(c => c.key)).size === chinese.length,
                UnlikeMissingGlyph: chinese.every(c => c.key !== missing.key),
                Inked: chinese.every(c => c.ink > 20),
                Font: font,
              };
            })()
            """);
        Assert.True(glyphs.Inked, "Chinese characters draw something");
        Assert.True(glyphs.Distinct && glyphs.UnlikeMissingGlyph,
            $"Chinese characters render as distinct glyphs, not as the missing-glyph box ({glyphs.Font}); install fonts-noto-cjk (ops/test.sh does)");

        var png = await chromium.ScreenshotAsync(session);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        await File.WriteAllBytesAsync(Path.Combine(folder, $"analysis-{Month}.png"), png);
    }
}
