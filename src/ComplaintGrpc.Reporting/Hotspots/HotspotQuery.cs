using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Storage;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Reporting.Hotspots;

/// <summary>
/// Which cases a hotspot figure counts: received in [<see cref="From"/>, <see cref="To"/>) (and, for the trend, in the
/// previous period of equal length), dispatched into <see cref="UnitId"/>'s subtree when set, of the categories and
/// sub-categories when any are given, and within <see cref="Scope"/> (a condition on <c>complaints c</c>; "true" for
/// reports that see everything). The trend compares with [<see cref="PreviousFrom"/>, <see cref="From"/>): the previous
/// period of equal length, or from <see cref="ComparedFrom"/> when set (the monthly report's calendar month before).
/// </summary>
public sealed record HotspotCriteria(
    DateTimeOffset From,
    DateTimeOffset To,
    string? UnitId,
    IReadOnlyCollection<Category> Categories,
    IReadOnlyCollection<SubCategory> SubCategories,
    string Scope = "true",
    DynamicParameters? ScopeParameters = null,
    DateTimeOffset? ComparedFrom = null)
{
    public DateTimeOffset PreviousFrom => ComparedFrom ?? From - (To - From);

    /// <summary>The WHERE conditions every hotspot query shares (besides the period), with their parameters.</summary>
    internal (string Sql, DynamicParameters Parameters) Conditions()
    {
        var p = new DynamicParameters(ScopeParameters ?? new DynamicParameters());
        var sql = new List<string> { Scope };
        if (UnitId is not null)
        {
            sql.Add("c.unit_id IN (SELECT unit_id FROM units WHERE path LIKE (SELECT path FROM units WHERE unit_id = @hotspotUnit) || '%')");
            p.Add("hotspotUnit", UnitId);
        }
        if (Categories.Count > 0)
        {
            sql.Add("c.category = ANY(@hotspotCategories)");
            p.Add("hotspotCategories", Categories.Select(c => c.ToString()).ToArray());
        }
        if (SubCategories.Count > 0)
        {
            sql.Add("c.sub_category = ANY(@hotspotSubCategories)");
            p.Add("hotspotSubCategories", SubCategories.Select(c => c.ToString()).ToArray());
        }
        return (string.Join(" AND ", sql), p);
    }
}

/// <summary>Where the previous page ended: the ranking order is count descending, then key, then unit id (ordinal).</summary>
public sealed record HotspotPosition(int Count, string Key, string UnitId);

/// <summary>One ranked hotspot as read (ops/README.md, "Hotspots", defines each figure).</summary>
public sealed class HotspotRow
{
    public int Rank { get; init; }
    public string Key { get; init; } = "";
    public string UnitId { get; init; } = "";
    public int Count { get; init; }
    public int PreviousCount { get; init; }
    public int WithFinding { get; init; }
    public int Substantiated { get; init; }
    public int RepeatCustomers { get; init; }
    public long CustomerCount { get; init; }
    public decimal? CellSouth { get; init; }
    public decimal? CellWest { get; init; }

    public HotspotPosition Position => new(Count, Key, UnitId);

    public double SubstantiatedShare => WithFinding == 0 ? 0 : (double)Substantiated / WithFinding;

    public Hotspot ToContract(decimal cellSize)
    {
        var h = new Hotspot
        {
            Rank = Rank,
            Key = Key,
            UnitId = UnitId,
            Count = Count,
            RepeatCustomers = RepeatCustomers,
            WithFinding = WithFinding,
            Substantiated = Substantiated,
            SubstantiatedShare = SubstantiatedShare,
            PreviousCount = PreviousCount,
            Change = Count - PreviousCount,
        };
        if (CustomerCount > 0 && UnitId.Length > 0)
            h.Per10KCustomers = Count * 10_000.0 / CustomerCount;
        if (CellSouth is { } south && CellWest is { } west)
            h.Cell = new GeoCell { South = (double)south, West = (double)west, North = (double)(south + cellSize), East = (double)(west + cellSize) };
        return h;
    }
}

/// <summary>
/// The hotspot ranking as one set-based statement over the complaints of the period and the previous one (the
/// <c>complaints_received</c> index bounds it): grouped by unit and grid name, or by map cell. The server's
/// GetHotspots, DownloadHotspots and the reports (the overnight page's chart, the monthly report) all read it here.
/// </summary>
public static class HotspotQuery
{
    public const decimal DefaultCellSize = 0.01m;

    public static async Task<List<HotspotRow>> RankAsync(NpgsqlConnection connection, HotspotCriteria criteria, HotspotGrain grain, decimal cellSize,
        HotspotPosition? after, int? limit, CancellationToken ct, NpgsqlTransaction? tx = null, int? commandTimeoutSeconds = null)
    {
        var (conditions, p) = criteria.Conditions();
        p.Add("from", criteria.From.UtcDateTime);
        p.Add("to", criteria.To.UtcDateTime);
        p.Add("previousFrom", criteria.PreviousFrom.UtcDateTime);
        p.Add("cell", cellSize);
        var (unit, key, south, west, present) = grain switch
        {
            HotspotGrain.Substation => ("coalesce(c.unit_id, '')", "c.substation", "NULL::numeric", "NULL::numeric", "c.substation <> ''"),
            HotspotGrain.Feeder => ("coalesce(c.unit_id, '')", "c.feeder", "NULL::numeric", "NULL::numeric", "c.feeder <> ''"),
            HotspotGrain.TransformerArea => ("coalesce(c.unit_id, '')", "c.transformer_area", "NULL::numeric", "NULL::numeric", "c.transformer_area <> ''"),
            // float8 -> numeric keeps the decimal digits as written (31.95 stays 31.95), so a point on a cell edge
            // falls in the cell whose south or west edge it is, never in the one before by rounding.
            HotspotGrain.MapCell => ("''", "(floor(c.latitude::numeric / @cell) * @cell)::text || ',' || (floor(c.longitude::numeric / @cell) * @cell)::text",
                "floor(c.latitude::numeric / @cell) * @cell", "floor(c.longitude::numeric / @cell) * @cell", "c.latitude IS NOT NULL"),
            _ => throw new ArgumentOutOfRangeException(nameof(grain), grain, "not a hotspot grain"),
        };
        var page = "true";
        if (after is not null)
        {
            page = """(count < @afterCount OR (count = @afterCount AND (key COLLATE "C", unit_id COLLATE "C") > (@afterKey, @afterUnit)))""";
            p.Add("afterCount", after.Count);
            p.Add("afterKey", after.Key);
            p.Add("afterUnit", after.UnitId);
        }
        p.Add("limit", limit);
        return (await connection.QueryAsync<HotspotRow>(new CommandDefinition($"""
            WITH cases AS (
                SELECT {unit} AS unit_id, {key} AS key, {south} AS cell_south, {west} AS cell_west,
                       c.received_at >= @from AS in_period, c.substantiation,
                       CASE WHEN c.customer_account_number <> '' THEN 'a:' || c.customer_account_number ELSE 'p:' || c.customer_phone END AS customer
                FROM complaints c
                WHERE c.received_at >= @previousFrom AND c.received_at < @to AND {present} AND {conditions}
            ), hotspots AS (
                SELECT unit_id, key, min(cell_south) AS cell_south, min(cell_west) AS cell_west,
                       count(*) FILTER (WHERE in_period)::int AS count,
                       count(*) FILTER (WHERE NOT in_period)::int AS previous_count,
                       count(*) FILTER (WHERE in_period AND substantiation <> 'Unspecified')::int AS with_finding,
                       count(*) FILTER (WHERE in_period AND substantiation IN ('Substantiated', 'PartlySubstantiated'))::int AS substantiated
                FROM cases GROUP BY unit_id, key
            ), repeats AS (
                SELECT unit_id, key, count(*)::int AS repeat_customers
                FROM (SELECT unit_id, key FROM cases WHERE in_period GROUP BY unit_id, key, customer HAVING count(*) >= 2) r
                GROUP BY unit_id, key
            ), ranked AS (
                SELECT h.*, coalesce(r.repeat_customers, 0) AS repeat_customers, coalesce(u.customer_count, 0) AS customer_count,
                       rank() OVER (ORDER BY h.count DESC)::int AS rank
                FROM hotspots h
                LEFT JOIN repeats r ON r.unit_id = h.unit_id AND r.key = h.key
                LEFT JOIN units u ON u.unit_id = h.unit_id
                WHERE h.count > 0
            )
            SELECT * FROM ranked WHERE {page}
            ORDER BY count DESC, key COLLATE "C", unit_id COLLATE "C"
            LIMIT @limit
            """, p, tx, commandTimeoutSeconds, cancellationToken: ct))).AsList();
    }

    /// <summary>Whether a unit exists (an unknown unit is NOT_FOUND, not an empty ranking).</summary>
    public static Task<bool> UnitExistsAsync(NpgsqlConnection connection, string unitId, CancellationToken ct) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT EXISTS (SELECT 1 FROM units WHERE unit_id = @unitId)",
            new { unitId }, cancellationToken: ct));
}
