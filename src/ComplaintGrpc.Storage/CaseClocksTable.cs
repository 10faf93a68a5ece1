using System.Text.Json;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.TimeLimits;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Storage;

/// <summary>A clock as the server writes it, with when the worker must next look at it (null: never again as it stands).</summary>
public sealed record ClockWrite(Guid ComplaintId, CaseClock Clock, DateTimeOffset? NextActionAt);

/// <summary>What the worker recorded on a clock it acted on at <c>enforced_at</c>.</summary>
public sealed record ClockEnforced(Guid ComplaintId, ClockKind Kind, DateTimeOffset? BreachedAt, int EscalationLevel, DateTimeOffset? NextActionAt);

/// <summary>A due clock with the case and unit columns the worker needs to act on it.</summary>
public sealed class DueClockRow : CaseClockRow
{
    public string CaseNumber { get; init; } = "";
    public string Status { get; init; } = "";
    public Level Level { get; init; }
    public string? HandlerId { get; init; }
    public string? UnitId { get; init; }
    public string TimeZone { get; init; } = "";
    public string UnitPath { get; init; } = "";
}

/// <summary>
/// The one owner of <c>case_clocks</c> SQL for server and worker. Writes take a <see cref="CaseLock"/>, so a clock is
/// only ever written under its case's lock. Reads for display need none.
/// </summary>
public static class CaseClocksTable
{
    private const string Columns = """
        k.complaint_id, k.clock, k.round, k.started_at, k.due_at, k.limit_text, k.calendar_covered, k.suspended_at,
        k.pauses::text AS pauses, k.stopped_at, k.breached_at, k.escalation_level, k.enforced_at
        """;

    /// <summary>A query for the clocks of the cases <paramref name="caseIds"/> (a query of their ids) selects, in case then
    /// clock order: sent in one command with the case query itself, a read of cases with their clocks is one round trip.</summary>
    public static string SelectOf(string caseIds) =>
        $"SELECT {Columns} FROM case_clocks k WHERE k.complaint_id IN ({caseIds}) ORDER BY k.complaint_id, k.clock";

    /// <summary>The clocks of these cases, in case then clock order.</summary>
    public static async Task<IReadOnlyList<CaseClockRow>> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction? tx,
        IReadOnlyList<Guid> complaintIds, CancellationToken ct) =>
        [.. await connection.QueryAsync<CaseClockRow>(new CommandDefinition(
            $"SELECT {Columns} FROM case_clocks k WHERE k.complaint_id = ANY(@ids) ORDER BY k.complaint_id, k.clock",
            new { ids = complaintIds.ToArray() }, tx, cancellationToken: ct))];

    /// <summary>Inserts or updates the clocks in one statement. A new round is a new clock: its breach and escalation
    /// start from scratch.</summary>
    public static Task<int> UpsertAsync(CaseLock held, IReadOnlyList<ClockWrite> clocks, CancellationToken ct)
    {
        if (clocks.Count == 0)
            return Task.FromResult(0);
        foreach (var c in clocks)
            held.Require(c.ComplaintId);
        return held.Connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO case_clocks (complaint_id, clock, round, started_at, due_at, limit_text, calendar_covered, suspended_at,
                pauses, stopped_at, next_action_at)
            SELECT * FROM unnest(@complaints::uuid[], @kinds::text[], @rounds::integer[], @startedAt::timestamptz[],
                @dueAt::timestamptz[], @limits::text[], @covered::boolean[], @suspendedAt::timestamptz[], @pauses::jsonb[],
                @stoppedAt::timestamptz[], @next::timestamptz[])
            ON CONFLICT (complaint_id, clock) DO UPDATE SET
                round = excluded.round, started_at = excluded.started_at, due_at = excluded.due_at,
                limit_text = excluded.limit_text, calendar_covered = excluded.calendar_covered,
                suspended_at = excluded.suspended_at, pauses = excluded.pauses, stopped_at = excluded.stopped_at,
                next_action_at = excluded.next_action_at,
                breached_at = CASE WHEN excluded.round = case_clocks.round THEN case_clocks.breached_at END,
                escalation_level = CASE WHEN excluded.round = case_clocks.round THEN case_clocks.escalation_level ELSE 0 END
            """,
            new
            {
                complaints = clocks.Select(c => c.ComplaintId).ToArray(),
                kinds = clocks.Select(c => c.Clock.Kind.ToString()).ToArray(),
                rounds = clocks.Select(c => c.Clock.Round).ToArray(),
                startedAt = clocks.Select(c => c.Clock.StartedAt.UtcDateTime).ToArray(),
                dueAt = clocks.Select(c => c.Clock.Deadline.DueAt.UtcDateTime).ToArray(),
                limits = clocks.Select(c => c.Clock.Limit.ToString()).ToArray(),
                covered = clocks.Select(c => c.Clock.Deadline.CalendarCovered).ToArray(),
                suspendedAt = clocks.Select(c => c.Clock.SuspendedAt?.UtcDateTime).ToArray(),
                pauses = clocks.Select(c => JsonSerializer.Serialize(c.Clock.Pauses)).ToArray(),
                stoppedAt = clocks.Select(c => c.Clock.StoppedAt?.UtcDateTime).ToArray(),
                next = clocks.Select(c => NotBefore(c.NextActionAt)).ToArray(),
            }, held.Transaction, cancellationToken: ct));
    }

    /// <summary>The clocks of the held cases that are due by <paramref name="now"/>, locked, with their case and unit
    /// columns (a case not yet dispatched has no unit: the default zone and no chain).</summary>
    public static async Task<IReadOnlyList<DueClockRow>> LoadDueAsync(CaseLock held, DateTimeOffset now, CancellationToken ct) =>
        held.CaseIds.Count == 0 ? [] :
        [.. await held.Connection.QueryAsync<DueClockRow>(new CommandDefinition($"""
            SELECT {Columns}, c.case_number, c.status, c.level, c.handler_id, c.unit_id,
                   coalesce(u.time_zone, @defaultZone) AS time_zone, coalesce(u.path, '') AS unit_path
            FROM case_clocks k
            JOIN complaints c ON c.id = k.complaint_id
            LEFT JOIN units u ON u.unit_id = c.unit_id
            WHERE k.complaint_id = ANY(@ids) AND k.next_action_at <= @now
            ORDER BY k.complaint_id, k.clock
            FOR UPDATE OF k
            """, new { ids = held.CaseIds.ToArray(), now = now.UtcDateTime, defaultZone = DeadlineCalculator.DefaultZone.Id },
            held.Transaction, cancellationToken: ct))];

    /// <summary>Records what the worker did at <paramref name="now"/> on each clock, in one statement.</summary>
    public static Task<int> RecordEnforcementAsync(CaseLock held, DateTimeOffset now, IReadOnlyList<ClockEnforced> clocks, CancellationToken ct)
    {
        if (clocks.Count == 0)
            return Task.FromResult(0);
        foreach (var c in clocks)
            held.Require(c.ComplaintId);
        return held.Connection.ExecuteAsync(new CommandDefinition("""
            UPDATE case_clocks k SET next_action_at = v.next_action_at, breached_at = v.breached_at,
                escalation_level = v.escalation_level, enforced_at = @now
            FROM unnest(@complaints::uuid[], @kinds::text[], @next::timestamptz[], @breachedAt::timestamptz[], @levels::integer[])
                AS v(complaint_id, clock, next_action_at, breached_at, escalation_level)
            WHERE k.complaint_id = v.complaint_id AND k.clock = v.clock
            """,
            new
            {
                now = now.UtcDateTime,
                complaints = clocks.Select(c => c.ComplaintId).ToArray(),
                kinds = clocks.Select(c => c.Kind.ToString()).ToArray(),
                next = clocks.Select(c => NotBefore(c.NextActionAt)).ToArray(),
                breachedAt = clocks.Select(c => c.BreachedAt?.UtcDateTime).ToArray(),
                levels = clocks.Select(c => c.EscalationLevel).ToArray(),
            }, held.Transaction, cancellationToken: ct));
    }

    /// <summary>Puts off the held cases' clocks that are due by <paramref name="now"/> until <paramref name="until"/>
    /// (they could not be acted on), leaving everything else about them as it is.</summary>
    public static Task<int> SetAsideAsync(CaseLock held, DateTimeOffset now, DateTimeOffset until, CancellationToken ct) =>
        held.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE case_clocks SET next_action_at = @until WHERE complaint_id = ANY(@ids) AND next_action_at <= @now",
            new { ids = held.CaseIds.ToArray(), now = now.UtcDateTime, until = until.UtcDateTime }, held.Transaction, cancellationToken: ct));

    /// <summary>next_action_at is stored rounded up to the microsecond (timestamptz precision), so that a clock is never
    /// claimed a fraction of a microsecond before its milestone falls due, when there would be nothing to do yet.</summary>
    private static DateTime? NotBefore(DateTimeOffset? at) =>
        at is { } t ? new DateTime(t.UtcTicks + (10 - t.UtcTicks % 10) % 10, DateTimeKind.Utc) : null;
}
