using System.Buffers;
using System.Globalization;
using System.Text.Json;
using ComplaintGrpc.Contracts.V1;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Reporting.Hotspots;

/// <summary>
/// Hotspots as a GeoJSON FeatureCollection (RFC 7946: WGS-84, positions [longitude, latitude], polygon rings
/// counter-clockwise and closed), written to a stream as the rows are read, so a map of any size is streamed with a
/// bounded buffer.
/// </summary>
public static class HotspotMap
{
    public const string ContentType = "application/geo+json";

    /// <summary>Hand the written JSON to the output every this many features. Written, never flushed, so a chunked
    /// output (ReportService's 64 KiB chunks) sends full chunks as they fill.</summary>
    private const int FeaturesPerFlush = 256;

    private sealed class PointRow
    {
        public string CaseNumber { get; init; } = "";
        public string Category { get; init; } = "";
        public string SubCategory { get; init; } = "";
        public DateTime ReceivedAt { get; init; }
        public string UnitId { get; init; } = "";
        public string Substation { get; init; } = "";
        public string Feeder { get; init; } = "";
        public string TransformerArea { get; init; } = "";
        public double Latitude { get; init; }
        public double Longitude { get; init; }
    }

    /// <summary>One Point per case with coordinates received in the period, oldest first. Confidential cases (保密) are
    /// left out: a point is where the customer is.</summary>
    public static async Task WritePointsAsync(NpgsqlConnection connection, HotspotCriteria criteria, Stream output, CancellationToken ct)
    {
        var (conditions, p) = criteria.Conditions();
        p.Add("from", criteria.From.UtcDateTime);
        p.Add("to", criteria.To.UtcDateTime);
        var buffer = new ArrayBufferWriter<byte>();
        await using var json = new Utf8JsonWriter(buffer);
        StartCollection(json);
        var n = 0;
        await foreach (var row in connection.QueryUnbufferedAsync<PointRow>($"""
                SELECT c.case_number, c.category, c.sub_category, c.received_at, coalesce(c.unit_id, '') AS unit_id,
                       c.substation, c.feeder, c.transformer_area, c.latitude, c.longitude
                FROM complaints c
                WHERE c.latitude IS NOT NULL AND c.received_at >= @from AND c.received_at < @to AND NOT c.confidential AND {conditions}
                ORDER BY c.received_at, c.id
                """, p).WithCancellation(ct))
        {
            json.WriteStartObject();
            json.WriteString("type", "Feature");
            json.WriteStartObject("geometry");
            json.WriteString("type", "Point");
            json.WriteStartArray("coordinates");
            json.WriteNumberValue(row.Longitude);
            json.WriteNumberValue(row.Latitude);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartObject("properties");
            json.WriteString("case_number", row.CaseNumber);
            json.WriteString("category", row.Category);
            json.WriteString("sub_category", row.SubCategory);
            json.WriteString("received_time", DateTime.SpecifyKind(row.ReceivedAt, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture));
            json.WriteString("unit_id", row.UnitId);
            json.WriteString("substation", row.Substation);
            json.WriteString("feeder", row.Feeder);
            json.WriteString("transformer_area", row.TransformerArea);
            json.WriteEndObject();
            json.WriteEndObject();
            if (++n % FeaturesPerFlush == 0)
                await DrainAsync(json, buffer, output, ct);
        }
        EndCollection(json);
        await DrainAsync(json, buffer, output, ct);
    }

    /// <summary>One Polygon per map cell with cases, in the ranking of <see cref="HotspotQuery"/> at map-cell grain.</summary>
    public static async Task WriteCellsAsync(NpgsqlConnection connection, HotspotCriteria criteria, decimal cellSize, Stream output, CancellationToken ct)
    {
        var cells = await HotspotQuery.RankAsync(connection, criteria, HotspotGrain.MapCell, cellSize, after: null, limit: null, ct);
        var buffer = new ArrayBufferWriter<byte>();
        await using var json = new Utf8JsonWriter(buffer);
        StartCollection(json);
        var n = 0;
        foreach (var cell in cells)
        {
            var (s, w) = (cell.CellSouth!.Value, cell.CellWest!.Value);
            var (north, east) = (s + cellSize, w + cellSize);
            json.WriteStartObject();
            json.WriteString("type", "Feature");
            json.WriteStartObject("geometry");
            json.WriteString("type", "Polygon");
            json.WriteStartArray("coordinates");
            json.WriteStartArray();
            foreach (var (lon, lat) in new[] { (w, s), (east, s), (east, north), (w, north), (w, s) })
            {
                json.WriteStartArray();
                json.WriteNumberValue(lon);
                json.WriteNumberValue(lat);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartObject("properties");
            json.WriteString("key", cell.Key);
            json.WriteNumber("rank", cell.Rank);
            json.WriteNumber("count", cell.Count);
            json.WriteNumber("repeat_customers", cell.RepeatCustomers);
            json.WriteNumber("substantiated_share", cell.SubstantiatedShare);
            json.WriteNumber("previous_count", cell.PreviousCount);
            json.WriteNumber("change", cell.Count - cell.PreviousCount);
            json.WriteEndObject();
            json.WriteEndObject();
            if (++n % FeaturesPerFlush == 0)
                await DrainAsync(json, buffer, output, ct);
        }
        EndCollection(json);
        await DrainAsync(json, buffer, output, ct);
    }

    private static async Task DrainAsync(Utf8JsonWriter json, ArrayBufferWriter<byte> buffer, Stream output, CancellationToken ct)
    {
        json.Flush();
        await output.WriteAsync(buffer.WrittenMemory, ct);
        buffer.ResetWrittenCount();
    }

    private static void StartCollection(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        json.WriteStartArray("features");
    }

    private static void EndCollection(Utf8JsonWriter json)
    {
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
