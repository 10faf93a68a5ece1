using System.Globalization;
using System.Text.Json;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Lifecycle;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.Storage;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace ComplaintGrpc.Server.Complaints;

/// <summary>
/// The clocks of cases in <c>case_clocks</c>: started, stopped, paused and re-graded with each lifecycle step (in the
/// step's transaction), and shown on every <see cref="Complaint"/> read. Every changed clock gets
/// <c>next_action_at = now</c>, so the worker looks at it on its next sweep and works out its next milestone itself.
/// </summary>
public sealed class CaseClocks(CalendarStore calendars, DeadlinePolicy policy, TimeProvider clock)
{
    /// <summary>Applies a lifecycle step to the case's clocks and returns what changed, for the history entry.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction tx,
        CaseRow updated, Transition transition, DateTimeOffset now, CancellationToken ct)
    {
        var before = await LoadAsync(connection, tx, updated.Id, ct);
        var calendar = await calendars.CurrentAsync(ct);
        var zone = await ZoneOfAsync(connection, tx, updated.UnitId, ct);
        var limits = policy.LimitsFor(new CaseAttributes(updated.Channel, updated.RequestKind, transition.To.Level, transition.To.CustomerClass));
        var after = ClockPlan.Apply(before, transition, now, limits, calendar, zone);

        var changes = new Dictionary<string, string>();
        foreach (var c in after)
        {
            var old = before.FirstOrDefault(b => b.Kind == c.Kind);
            if (old is not null && Same(old, c))
                continue;
            calendars.ReportUncovered(c.Deadline, $"the {c.Kind} clock of case {updated.CaseNumber}");
            await SaveAsync(connection, tx, updated.Id, c, now, ct);
            var key = c.Kind.ToString();
            if (old is null || old.Round != c.Round)
                changes[$"{key}.due"] = Iso(c.Deadline.DueAt);
            else if (old.Deadline.DueAt != c.Deadline.DueAt)
                changes[$"{key}.due"] = $"{Iso(old.Deadline.DueAt)} -> {Iso(c.Deadline.DueAt)}";
            if (c.SuspendedAt is not null && old?.SuspendedAt is null)
                changes[$"{key}.remaining"] = c.RemainingAt(now).ToString("c", CultureInfo.InvariantCulture);
            if (c.StoppedAt is { } stopped && old?.StoppedAt is null)
                changes[$"{key}.stopped"] = stopped >= c.Deadline.DueAt ? "late" : "on time";
        }
        return changes;
    }

    /// <summary>The contract view of cases, deadlines attached (one query for all of them).</summary>
    public async Task<List<Complaint>> ToContractsAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, IReadOnlyList<CaseRow> rows, CancellationToken ct)
    {
        var ids = rows.Select(r => r.Id).ToArray();
        var clockRows = (await connection.QueryAsync<CaseClockRow>(new CommandDefinition(
            "SELECT * FROM case_clocks WHERE complaint_id = ANY(@ids) ORDER BY complaint_id, clock", new { ids }, tx, cancellationToken: ct))).ToLookup(c => c.ComplaintId);
        var now = clock.GetUtcNow();
        return rows.Select(r =>
        {
            var complaint = r.ToContract();
            complaint.Deadlines.AddRange(clockRows[r.Id].OrderBy(c => c.Kind).Select(c => ToContract(c, now)));
            return complaint;
        }).ToList();
    }

    public async Task<Complaint> ToContractAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, CaseRow row, CancellationToken ct) =>
        (await ToContractsAsync(connection, tx, [row], ct))[0];

    public static CaseDeadline ToContract(CaseClock c, DateTimeOffset? now = null) => new()
    {
        Clock = c.Kind,
        DueTime = Timestamp.FromDateTimeOffset(c.Deadline.DueAt),
        Limit = c.Limit.ToString(),
        CalendarCovered = c.Deadline.CalendarCovered,
        StartedTime = Timestamp.FromDateTimeOffset(c.StartedAt),
        StoppedTime = c.StoppedAt is { } s ? Timestamp.FromDateTimeOffset(s) : null,
        Round = c.Round,
        Status = now is not { } n ? ClockStatus.Running
            : c.IsBreachedAt(n) ? ClockStatus.Breached
            : c.StoppedAt is not null ? ClockStatus.Met
            : c.SuspendedAt is not null ? ClockStatus.Suspended
            : ClockStatus.Running,
        Remaining = now is { } at ? Duration.FromTimeSpan(c.RemainingAt(at)) : null,
    };

    private static CaseDeadline ToContract(CaseClockRow row, DateTimeOffset now)
    {
        var deadline = ToContract(row.ToClock(), now);
        deadline.EscalationLevel = row.EscalationLevel;
        return deadline;
    }

    public static async Task<TimeZoneInfo> ZoneOfAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string? unitId, CancellationToken ct)
    {
        if (unitId is null)
            return DeadlineCalculator.DefaultZone;
        var id = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT time_zone FROM units WHERE unit_id = @unitId", new { unitId }, tx, cancellationToken: ct));
        return id is null ? DeadlineCalculator.DefaultZone : TimeZoneInfo.FindSystemTimeZoneById(id);
    }

    private static async Task<IReadOnlyList<CaseClock>> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid complaintId, CancellationToken ct) =>
        (await connection.QueryAsync<CaseClockRow>(new CommandDefinition(
            "SELECT * FROM case_clocks WHERE complaint_id = @complaintId", new { complaintId }, tx, cancellationToken: ct)))
        .Select(r => r.ToClock()).ToList();

    private static Task<int> SaveAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid complaintId, CaseClock c, DateTimeOffset now, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO case_clocks (complaint_id, clock, round, started_at, due_at, limit_text, calendar_covered, suspended_at,
                pauses, stopped_at, next_action_at)
            VALUES (@complaintId, @clock, @round, @startedAt, @dueAt, @limitText, @calendarCovered, @suspendedAt,
                @pauses::jsonb, @stoppedAt, @now)
            ON CONFLICT (complaint_id, clock) DO UPDATE SET
                round = excluded.round, started_at = excluded.started_at, due_at = excluded.due_at,
                limit_text = excluded.limit_text, calendar_covered = excluded.calendar_covered,
                suspended_at = excluded.suspended_at, pauses = excluded.pauses, stopped_at = excluded.stopped_at,
                next_action_at = excluded.next_action_at,
                -- A new round is a new clock: its breach and escalation start from scratch.
                breached_at = CASE WHEN excluded.round = case_clocks.round THEN case_clocks.breached_at END,
                escalation_level = CASE WHEN excluded.round = case_clocks.round THEN case_clocks.escalation_level ELSE 0 END
            """,
            new
            {
                complaintId,
                clock = c.Kind.ToString(),
                round = c.Round,
                startedAt = c.StartedAt.UtcDateTime,
                dueAt = c.Deadline.DueAt.UtcDateTime,
                limitText = c.Limit.ToString(),
                calendarCovered = c.Deadline.CalendarCovered,
                suspendedAt = c.SuspendedAt?.UtcDateTime,
                pauses = JsonSerializer.Serialize(c.Pauses),
                stoppedAt = c.StoppedAt?.UtcDateTime,
                now = now.UtcDateTime,
            }, tx, cancellationToken: ct));

    private static bool Same(CaseClock a, CaseClock b) =>
        a.Round == b.Round && a.Deadline == b.Deadline && a.SuspendedAt == b.SuspendedAt && a.StoppedAt == b.StoppedAt
        && a.Pauses.SequenceEqual(b.Pauses);

    private static string Iso(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);
}
