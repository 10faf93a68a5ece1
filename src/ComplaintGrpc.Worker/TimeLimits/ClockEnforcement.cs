using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.Storage;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ComplaintGrpc.Worker.TimeLimits;

/// <summary>
/// Acts on one clock's milestones that have fallen due: reminders (催办) to the handler, the breach (recorded in the
/// history at the instant it happened, not when it was noticed) and escalation (督办) to the heads of the units up
/// the chain, one level per interval. Then it sets when the clock needs looking at next.
/// Safe to run twice and from several workers at once: the case and clock rows are locked for the run, each notification has a
/// unique key (case, clock, round, milestone, recipient), and breach and escalation are recorded against the
/// clock's own breached_at and escalation_level, so a repeat finds them done. A run after an outage acts on every
/// milestone missed, marked late.
/// </summary>
public sealed class ClockEnforcement(NpgsqlDataSource db, TimeProvider clock, IOptions<MilestoneOptions> options, ILogger<ClockEnforcement> logger)
{
    public async Task ActAsync(Guid complaintId, string clockName, CancellationToken cancellationToken)
    {
        var ct = cancellationToken;
        var o = options.Value;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Lock order as in every lifecycle step on the server: the case first, then its clock. The other order can
        // deadlock with a handler replying at the moment the breach is recorded.
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT 1 FROM complaints WHERE id = @complaintId FOR UPDATE", new { complaintId }, tx, cancellationToken: ct));
        var row = await connection.QuerySingleOrDefaultAsync<ClockCaseRow>(new CommandDefinition("""
            SELECT k.*, c.case_number, c.status, c.level, c.handler_id, c.unit_id,
                   coalesce(u.time_zone, 'Asia/Shanghai') AS time_zone, coalesce(u.path, '') AS unit_path
            FROM case_clocks k
            JOIN complaints c ON c.id = k.complaint_id
            LEFT JOIN units u ON u.unit_id = c.unit_id
            WHERE k.complaint_id = @complaintId AND k.clock = @clockName
            FOR UPDATE OF k
            """, new { complaintId, clockName }, tx, cancellationToken: ct));
        if (row is null)
            return;

        var now = clock.GetUtcNow();
        var caseClock = row.ToClock();
        var zone = TimeZoneInfo.FindSystemTimeZoneById(row.TimeZone);
        var (due, next) = Milestones.At(caseClock, now, o);
        var breachedAt = row.BreachedAt;
        var escalationLevel = row.EscalationLevel;

        foreach (var milestone in due)
        {
            var late = now - milestone.At > o.LateAfter;
            if (milestone.Kind != MilestoneKind.Reminder && milestone.EscalationLevel > escalationLevel)
            {
                if (milestone.Kind == MilestoneKind.Breach && breachedAt is null)
                {
                    breachedAt = milestone.At.UtcDateTime;
                    await CaseEvents.AppendAsync(connection, tx, complaintId, milestone.At, "system", CaseAction.ClockBreached, row.Status, row.Status,
                        new Dictionary<string, string>
                        {
                            ["clock"] = row.Clock,
                            ["round"] = row.Round.ToString(CultureInfo.InvariantCulture),
                            ["due"] = caseClock.Deadline.DueAt.ToString("O", CultureInfo.InvariantCulture),
                            ["noticed_at"] = now.ToString("O", CultureInfo.InvariantCulture),
                        }, ct);
                    WorkerLog.ClockBreached(logger, row.CaseNumber, row.Clock, caseClock.Deadline.DueAt);
                }
                if (caseClock.IsRunning)
                {
                    escalationLevel = milestone.EscalationLevel;
                    await CaseEvents.AppendAsync(connection, tx, complaintId, milestone.At, "system", CaseAction.Escalated, row.Status, row.Status,
                        new Dictionary<string, string>
                        {
                            ["clock"] = row.Clock,
                            ["level"] = escalationLevel.ToString(CultureInfo.InvariantCulture),
                            ["unit_id"] = EscalationUnit(row, escalationLevel) ?? "",
                            ["noticed_at"] = now.ToString("O", CultureInfo.InvariantCulture),
                        }, ct);
                }
            }
            // A clock that has stopped needs no more chasing; its breach is on record above.
            if (!caseClock.IsRunning)
                continue;
            foreach (var (recipient, kind) in await RecipientsAsync(connection, tx, row, milestone, ct))
            {
                await connection.ExecuteAsync(new CommandDefinition("""
                    INSERT INTO notifications (id, dedup_key, handler_id, kind, complaint_id, text, created_at, deliver_after,
                        clock, milestone, milestone_at, late)
                    VALUES (@id, @dedupKey, @recipient, @kind, @complaintId, @text, @now, @deliverAfter,
                        @clock, @milestone, @milestoneAt, @late)
                    ON CONFLICT (dedup_key) DO NOTHING
                    """,
                    new
                    {
                        id = Guid.CreateVersion7(now),
                        dedupKey = $"{complaintId}:{row.Clock}:{row.Round}:{milestone.Name}:{recipient}",
                        recipient,
                        kind = kind.ToString(),
                        complaintId,
                        text = Text(row, caseClock, milestone, zone, late),
                        now = now.UtcDateTime,
                        deliverAfter = Milestones.DeliverAfter(now, row.Level, zone, o).UtcDateTime,
                        clock = row.Clock,
                        milestone = milestone.Name,
                        milestoneAt = milestone.At.UtcDateTime,
                        late,
                    }, tx, cancellationToken: ct));
            }
        }

        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE case_clocks SET next_action_at = @next, breached_at = @breachedAt, escalation_level = @escalationLevel, enforced_at = @now
            WHERE complaint_id = @complaintId AND clock = @clockName
            """, new { next = next?.UtcDateTime, breachedAt, escalationLevel, now = now.UtcDateTime, complaintId, clockName }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }

    /// <summary>Who hears of a milestone: reminders go to the handler (or, before assignment, the heads of the
    /// case's unit); the breach to the handler and the head of the case's unit (level 1); escalation level N to the
    /// heads of the unit N-1 steps up the chain.</summary>
    private static async Task<List<(string Recipient, NotificationKind Kind)>> RecipientsAsync(NpgsqlConnection connection,
        NpgsqlTransaction tx, ClockCaseRow row, Milestone milestone, CancellationToken ct)
    {
        var result = new List<(string, NotificationKind)>();
        async Task<IEnumerable<string>> HeadsOf(string? unitId) => unitId is null ? [] :
            await connection.QueryAsync<string>(new CommandDefinition(
                "SELECT handler_id FROM handlers WHERE unit_id = @unitId AND role = 'Supervisor' AND active ORDER BY handler_id",
                new { unitId }, tx, cancellationToken: ct));

        switch (milestone.Kind)
        {
            case MilestoneKind.Reminder when row.HandlerId is not null:
                result.Add((row.HandlerId, NotificationKind.Reminder));
                break;
            case MilestoneKind.Reminder:
                result.AddRange((await HeadsOf(row.UnitId)).Select(h => (h, NotificationKind.Reminder)));
                break;
            case MilestoneKind.Breach:
                if (row.HandlerId is not null)
                    result.Add((row.HandlerId, NotificationKind.Breach));
                result.AddRange((await HeadsOf(row.UnitId)).Where(h => h != row.HandlerId).Select(h => (h, NotificationKind.Escalation)));
                break;
            case MilestoneKind.Escalation:
                result.AddRange((await HeadsOf(EscalationUnit(row, milestone.EscalationLevel))).Select(h => (h, NotificationKind.Escalation)));
                break;
        }
        return result;
    }

    /// <summary>The unit escalation level <paramref name="level"/> reaches: 1 is the case's unit, 2 its parent, and so on
    /// (the materialised path lists the chain); null beyond the top or before dispatch.</summary>
    private static string? EscalationUnit(ClockCaseRow row, int level)
    {
        var chain = row.UnitPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var index = chain.Length - level;
        return index >= 0 && index < chain.Length ? chain[index] : null;
    }

    private static string Text(ClockCaseRow row, CaseClock clock, Milestone milestone, TimeZoneInfo zone, bool late)
    {
        var due = TimeZoneInfo.ConvertTime(clock.Deadline.DueAt, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        var what = milestone.Kind switch
        {
            MilestoneKind.Reminder => $"[催办 Reminder] 工单 {row.CaseNumber} 的{clock.Kind.ChineseName()}时限将于 {due} 到期 ({milestone.Name}).",
            MilestoneKind.Breach => $"[超时 Breach] 工单 {row.CaseNumber} 的{clock.Kind.ChineseName()}时限已于 {due} 超期.",
            _ => $"[督办 Escalation L{milestone.EscalationLevel}] 工单 {row.CaseNumber} 的{clock.Kind.ChineseName()}时限已于 {due} 超期, 请督办.",
        };
        return late ? what + " (迟发 late: the worker was not running when this fell due)" : what;
    }

    /// <summary>The clock with the case columns enforcement needs.</summary>
    private sealed class ClockCaseRow : CaseClockRow
    {
        public string CaseNumber { get; init; } = "";
        public string Status { get; init; } = "";
        public Level Level { get; init; }
        public string? HandlerId { get; init; }
        public string? UnitId { get; init; }
        public string TimeZone { get; init; } = "";
        public string UnitPath { get; init; } = "";
    }
}
