using System.Globalization;
using System.Net;
using System.Text;
using ComplaintGrpc.Contracts.V1;
using Npgsql;

namespace ComplaintGrpc.Reporting.Hotspots;

/// <summary>The hotspot section of the overnight report: the top feeders of the report's 30-day rate window, read by
/// <see cref="HotspotQuery"/> in the report's own transaction, and drawn as a bar chart with a table.</summary>
public static class HotspotSection
{
    public const int Listed = 10;

    public static async Task<IEnumerable<ReportHotspot>> ComputeAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ReportWindow window,
        IEnumerable<UnitBacklog> units, int commandTimeoutSeconds, CancellationToken ct)
    {
        var criteria = new HotspotCriteria(window.RateWindowStart, window.CutOff, null, [], []);
        var rows = await HotspotQuery.RankAsync(connection, criteria, HotspotGrain.Feeder, HotspotQuery.DefaultCellSize, null, Listed, ct, tx, commandTimeoutSeconds);
        var names = units.ToDictionary(u => u.UnitId, u => u.Name);
        return rows.Select(r => new ReportHotspot
        {
            Rank = r.Rank,
            Feeder = r.Key,
            UnitId = r.UnitId,
            UnitName = names.GetValueOrDefault(r.UnitId, ""),
            Count = r.Count,
            PreviousCount = r.PreviousCount,
        });
    }

    /// <summary>A horizontal bar per feeder (inline SVG, no script or external resource) and the table of figures.</summary>
    public static void AppendHtml(StringBuilder h, IReadOnlyList<ReportHotspot> hotspots)
    {
        const string title = "热点前十线路 (近30日受理)";
        const int labelWidth = 220, barWidth = 260, rowHeight = 22;
        h.Append("<h2>").Append(title).Append("</h2>");
        if (hotspots.Count == 0)
        {
            h.Append("<p class=\"meta\" id=\"hotspots-none\">近30日无登记线路的投诉。</p>");
            return;
        }
        var max = Math.Max(1, hotspots.Max(r => r.Count));
        h.Append(CultureInfo.InvariantCulture, $"<figure><svg id=\"chart-hotspots\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{labelWidth + barWidth + 60}\" height=\"{54 + hotspots.Count * rowHeight}\" role=\"img\" aria-label=\"{title}\">");
        h.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"14\" font-weight=\"bold\">{title}</text>");
        for (var i = 0; i < hotspots.Count; i++)
        {
            var r = hotspots[i];
            var y = 24 + i * rowHeight;
            var w = Math.Max(1, r.Count * barWidth / max);
            var label = E(r.UnitName.Length > 0 ? $"{r.Feeder} · {r.UnitName}" : r.Feeder);
            h.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + 14}\">{label}</text>");
            h.Append(CultureInfo.InvariantCulture, $"<rect class=\"hotspot-bar\" x=\"{labelWidth}\" y=\"{y + 3}\" width=\"{w}\" height=\"{rowHeight - 6}\" fill=\"#d8663b\"><title>{label}: {r.Count}</title></rect>");
            h.Append(CultureInfo.InvariantCulture, $"<text x=\"{labelWidth + w + 4}\" y=\"{y + 14}\">{r.Count}</text>");
        }
        h.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{40 + hotspots.Count * rowHeight}\" fill=\"#666\">条长: 近30日受理件数 (上一30日见下表)</text>");
        h.Append("</svg></figure>");
        h.Append("<table id=\"table-hotspots\"><tr><th>名次</th><th>线路</th><th>单位</th><th>受理</th><th>上一30日</th><th>变化</th></tr>");
        foreach (var r in hotspots)
        {
            h.Append(CultureInfo.InvariantCulture, $"<tr><td class=n>{r.Rank}</td><td>{E(r.Feeder)}</td><td>{E(r.UnitName)}</td><td class=n>{r.Count}</td><td class=n>{r.PreviousCount}</td><td class=n>{r.Count - r.PreviousCount:+0;-0;0}</td></tr>");
        }
        h.Append("</table>");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
