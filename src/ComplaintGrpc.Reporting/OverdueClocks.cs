using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.TimeLimits;
using CsvHelper;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ComplaintGrpc.Reporting;

/// <summary>
/// The full list of clocks overdue now: what the report only counts (and lists the first <see
/// cref="BacklogReportQuery.ListedAlerts"/> of). Live, as at an instant the caller fixes (<c>asOf</c>): cases open and
/// not suspended, clocks running (not stopped, started before <c>asOf</c>) and due at or before it, most overdue first
/// (due time, complaint id, clock: the keyset). Read through the partial index of running clocks by due time, so a page
/// costs its own rows, and the CSV is written row by row as PostgreSQL returns them, never held whole.
/// </summary>
public sealed class OverdueClocks(NpgsqlDataSource db, IOptions<ReportOptions> options)
{
    /// <summary>Which clocks: a unit subtree (empty: every case, undispatched ones included), one clock kind and one
    /// category (unspecified: all).</summary>
    public sealed record Filter(string UnitId, ClockKind Clock, Category Category);

    /// <summary>Where a page ends: the last clock's keyset.</summary>
    public sealed record Position(DateTime DueAt, Guid ComplaintId, string Clock);

    /// <summary>Up to <paramref name="limit"/> overdue clocks after <paramref name="after"/> (from the first when null).
    /// Null when <see cref="Filter.UnitId"/> names no unit.</summary>
    public async Task<IReadOnlyList<(ClockAlert Alert, Position Position)>?> PageAsync(Filter filter, DateTimeOffset asOf, Position? after, int limit,
        CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var query = await QueryAsync(connection, filter, asOf, after, limit, ct);
        if (query is null)
            return null;
        var rows = await connection.QueryAsync<BacklogReportQuery.AlertRow>(query.Value);
        return [.. rows.Select(r => (r.ToAlert(asOf), new Position(r.DueAt, r.ComplaintId, r.Clock)))];
    }

    /// <summary>Writes every overdue clock as CSV (the columns of the report's overdue table) to
    /// <paramref name="output"/>, flushing as rows arrive. False, with nothing written, when <see cref="Filter.UnitId"/>
    /// names no unit.</summary>
    public async Task<bool> WriteCsvAsync(Filter filter, DateTimeOffset asOf, TimeZoneInfo zone, Stream output, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var query = await QueryAsync(connection, filter, asOf, after: null, limit: null, ct);
        if (query is null)
            return false;
        await using var csv = CsvWriter.Create(output, new CsvWriterOptions { WriteByteOrderMark = true }, leaveOpen: true);
        await csv.WriteRecordAsync(ReportCsv.AlertHeader(overdue: true), ct);
        await foreach (var row in connection.QueryUnbufferedAsync<BacklogReportQuery.AlertRow>(query.Value.CommandText, query.Value.Parameters,
                           commandTimeout: query.Value.CommandTimeout).WithCancellation(ct))
            await csv.WriteRecordAsync(ReportCsv.AlertFields(row.ToAlert(asOf), zone, overdue: true), ct);
        await csv.FlushAsync(ct);
        return true;
    }

    private async Task<CommandDefinition?> QueryAsync(NpgsqlConnection connection, Filter filter, DateTimeOffset asOf, Position? after, int? limit,
        CancellationToken ct)
    {
        var timeout = options.Value.CommandTimeoutSeconds;
        var where = new List<string>();
        var p = new DynamicParameters();
        p.Add("asOf", asOf.UtcDateTime);
        if (filter.UnitId.Length > 0)
        {
            var path = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT path FROM units WHERE unit_id = @unitId", new { unitId = filter.UnitId }, commandTimeout: timeout, cancellationToken: ct));
            if (path is null)
                return null;
            // The case's unit lies under the given one: its path starts with the given unit's path.
            where.Add("starts_with(u.path, @path)");
            p.Add("path", path);
        }
        if (filter.Clock != ClockKind.Unspecified)
        {
            where.Add("k.clock = @clock");
            p.Add("clock", filter.Clock.ToString());
        }
        if (filter.Category != Category.Unspecified)
        {
            where.Add("c.category = @category");
            p.Add("category", filter.Category.ToString());
        }
        if (after is not null)
        {
            // The first column alone lets the index start the scan at the page boundary; the row comparison breaks ties.
            where.Add("k.due_at >= @afterDue AND (k.due_at, k.complaint_id, k.clock) > (@afterDue, @afterId, @afterClock)");
            p.Add("afterDue", after.DueAt);
            p.Add("afterId", after.ComplaintId);
            p.Add("afterClock", after.Clock);
        }
        if (limit is not null)
            p.Add("limit", limit.Value);
        var sql = $"""
            SELECT c.id AS complaint_id, c.case_number, k.clock, coalesce(c.unit_id, '') AS unit_id, coalesce(u.name, '') AS unit_name,
                   coalesce(c.handler_id, '') AS handler_id, coalesce(h.name, '') AS handler_name, c.level, c.category, c.status, k.due_at
            FROM case_clocks k
            JOIN complaints c ON c.id = k.complaint_id
            LEFT JOIN units u ON u.unit_id = c.unit_id
            LEFT JOIN handlers h ON h.handler_id = c.handler_id
            WHERE k.stopped_at IS NULL AND k.due_at <= @asOf AND k.started_at < @asOf AND c.status NOT IN ('Closed', 'Suspended')
            {string.Concat(where.Select(w => " AND " + w))}
            ORDER BY k.due_at, k.complaint_id, k.clock
            {(limit is null ? "" : "LIMIT @limit")}
            """;
        return new CommandDefinition(sql, p, commandTimeout: timeout, cancellationToken: ct);
    }
}
