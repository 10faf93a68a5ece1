namespace ComplaintGrpc.IntegrationTests.Reports;

/// <summary>
/// Whether Chinese text on a page opened in <see cref="HeadlessChromium"/> renders as Chinese: draws the given
/// characters in the page's own font stack on a canvas and compares the pixels. Without a CJK font (Debian's
/// fonts-noto-cjk, which ops/test.sh installs) every Chinese character is the same empty box as an unassigned
/// private-use character, so the check fails rather than passing on boxes.
/// </summary>
public static class ChineseGlyphs
{
    private sealed record GlyphFacts(bool Distinct, bool UnlikeMissingGlyph, bool Inked, string Font);

    /// <param name="characters">At least two different Chinese characters that the page shows.</param>
    public static async Task AssertRenderAsync(HeadlessChromium chromium, string session, string characters)
    {
        ArgumentNullException.ThrowIfNull(chromium);
        ArgumentNullException.ThrowIfNull(characters);
        var list = System.Text.Json.JsonSerializer.Serialize(characters.Select(c => c.ToString()).Distinct().ToArray());
        var glyphs = await chromium.EvaluateAsync<GlyphFacts>(session, $$"""
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
              const chinese = {{list}}.map(draw);
              const missing = draw('\uE000');
              return {
                Distinct: new Set(chinese.map(c => c.key)).size === chinese.length,
                UnlikeMissingGlyph: chinese.every(c => c.key !== missing.key),
                Inked: chinese.every(c => c.ink > 20),
                Font: font,
              };
            })()
            """);
        Assert.True(glyphs.Inked, $"Chinese characters {characters} draw something");
        Assert.True(glyphs.Distinct && glyphs.UnlikeMissingGlyph,
            $"Chinese characters {characters} render as distinct glyphs, not as the missing-glyph box ({glyphs.Font}); install fonts-noto-cjk (ops/test.sh does)");
    }
}
