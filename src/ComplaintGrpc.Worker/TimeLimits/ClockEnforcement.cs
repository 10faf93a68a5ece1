using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.Storage;

namespace ComplaintGrpc.Worker.TimeLimits;

/// <summary>What acting on a batch of due clocks writes: history events, notifications and the clocks' new records.</summary>
public sealed record EnforcementPlan(
    IReadOnlyList<NewCaseEvent> Events,
    IReadOnlyList<NewNotification> Notifications,
    IReadOnlyList<ClockEnforced> Clocks,
    IReadOnlyList<(DueClockRow Clock, DateTimeOffset DueAt)> Breaches);

/// <summary>
/// Decides, without I/O, what to do about a batch of due clocks at <c>now</c>: reminders (催办) to the handler, the
/// breach (recorded in the history at the instant it happened, not when it was noticed) and escalation (督办) to the
/// heads of the units up the chain, one level per interval; then when each clock needs looking at next. Only
/// milestones not yet on record are acted on (<see cref="Milestones.Pending"/>), each notification has a unique key
/// (case, clock, round, milestone, recipient), so a repeat after a lost commit or a racing worker raises nothing twice.
/// Milestones acted on more than <see cref="MilestoneOptions.LateAfter"/> after they fell due (an outage) are marked late.
/// </summary>
public static class ClockEnforcement
{
    public static EnforcementPlan Plan(IReadOnlyList<DueClockRow> due, ILookup<string, string> supervisorsByUnit, DateTimeOffset now,
        MilestoneOptions options)
    {
        var events = new List<NewCaseEvent>();
        var notifications = new List<NewNotification>();
        var clocks = new List<ClockEnforced>();
        var breaches = new List<(DueClockRow, DateTimeOffset)>();
        var noticedAt = now.ToString("O", CultureInfo.InvariantCulture);
        foreach (var row in due)
        {
            var clock = row.ToClock();
            var record = row.Record;
            var zone = TimeZoneInfo.TryFindSystemTimeZoneById(row.TimeZone, out var z) ? z : DeadlineCalculator.DefaultZone;
            var breachedAt = record.BreachedAt;
            var level = record.EscalationLevel;
            foreach (var milestone in Milestones.Pending(clock, record, now, options))
            {
                if (milestone.Kind == MilestoneKind.Breach && breachedAt is null)
                {
                    breachedAt = milestone.At;
                    breaches.Add((row, milestone.At));
                    events.Add(new NewCaseEvent(row.ComplaintId, milestone.At, "system", CaseAction.ClockBreached, row.Status, row.Status,
                        new Dictionary<string, string>
                        {
                            ["clock"] = row.Clock,
                            ["round"] = row.Round.ToString(CultureInfo.InvariantCulture),
                            ["due"] = clock.Deadline.DueAt.ToString("O", CultureInfo.InvariantCulture),
                            ["noticed_at"] = noticedAt,
                        }));
                }
                // A clock that has stopped (or is suspended) is chased no more; its breach is on record above.
                if (!clock.IsRunning)
                    continue;
                if (milestone.Kind != MilestoneKind.Reminder)
                {
                    level = milestone.EscalationLevel;
                    events.Add(new NewCaseEvent(row.ComplaintId, milestone.At, "system", CaseAction.Escalated, row.Status, row.Status,
                        new Dictionary<string, string>
                        {
                            ["clock"] = row.Clock,
                            ["level"] = level.ToString(CultureInfo.InvariantCulture),
                            ["unit_id"] = EscalationUnit(row, level) ?? "",
                            ["noticed_at"] = noticedAt,
                        }));
                }
                var late = now - milestone.At > options.LateAfter;
                foreach (var (recipient, kind) in Recipients(row, milestone, supervisorsByUnit))
                    notifications.Add(new NewNotification(
                        Id: Guid.CreateVersion7(now),
                        DedupKey: $"{row.ComplaintId}:{row.Clock}:{row.Round}:{milestone.Name}:{recipient}",
                        HandlerId: recipient,
                        Kind: kind.ToString(),
                        ComplaintId: row.ComplaintId,
                        Text: Text(row, clock, milestone, zone, late),
                        CreatedAt: now,
                        DeliverAfter: Milestones.DeliverAfter(now, row.Level, zone, options),
                        Clock: row.Clock,
                        Milestone: milestone.Name,
                        MilestoneAt: milestone.At,
                        Late: late));
            }
            var after = new EnforcementRecord(now, breachedAt, level);
            clocks.Add(new ClockEnforced(row.ComplaintId, row.Kind, breachedAt, level, Milestones.NextActionAt(clock, after, now, options)));
        }
        return new EnforcementPlan(events, notifications, clocks, breaches);
    }

    /// <summary>The key under which the heads lookup holds the supervisors of the top-level units: those who see the
    /// cases not yet dispatched (as at intake, <c>IntakeLookup.ReceivingUnits</c> for a caller bound to no unit).</summary>
    public const string UndispatchedDesk = "";

    /// <summary>The units whose heads a batch may need: each case's unit and the chain above it.</summary>
    public static string[] UnitsInvolved(IEnumerable<DueClockRow> due) =>
        [.. due.SelectMany(r => r.UnitPath.Split('/', StringSplitOptions.RemoveEmptyEntries)).Distinct()];

    /// <summary>Whether a batch has a case not yet dispatched, whose milestones go to <see cref="UndispatchedDesk"/>.</summary>
    public static bool HasUndispatched(IEnumerable<DueClockRow> due) => due.Any(r => r.UnitId is null);

    /// <summary>Who hears of a milestone: reminders go to the handler (or, before assignment, the heads of the
    /// case's unit); the breach to the handler and the head of the case's unit (level 1); escalation level N to the
    /// heads of the unit N-1 steps up the chain. Before dispatch the case has no unit: its reminders and breach go to
    /// the heads of the top-level units, so a milestone that falls due then (a late dispatch, or a back-dated case
    /// whose clocks are already past due) is never acted on with nobody told.</summary>
    private static List<(string Recipient, NotificationKind Kind)> Recipients(DueClockRow row, Milestone milestone, ILookup<string, string> heads)
    {
        IEnumerable<string> HeadsOf(string? unitId) => unitId is null ? [] : heads[unitId];
        var caseUnitHeads = heads[row.UnitId ?? UndispatchedDesk];
        return milestone.Kind switch
        {
            // A review (审核) is the work of the level above the case's unit: its reminders go to that unit's heads.
            MilestoneKind.Reminder when row.Clock == nameof(ClockKind.Review) => [.. HeadsOf(EscalationUnit(row, 2)).Select(h => (h, NotificationKind.Reminder))],
            MilestoneKind.Reminder when row.HandlerId is not null => [(row.HandlerId, NotificationKind.Reminder)],
            MilestoneKind.Reminder => [.. caseUnitHeads.Select(h => (h, NotificationKind.Reminder))],
            MilestoneKind.Breach =>
            [
                .. row.HandlerId is not null ? [(row.HandlerId, NotificationKind.Breach)] : Array.Empty<(string, NotificationKind)>(),
                .. caseUnitHeads.Where(h => h != row.HandlerId).Select(h => (h, NotificationKind.Escalation)),
            ],
            MilestoneKind.Escalation => [.. HeadsOf(EscalationUnit(row, milestone.EscalationLevel)).Select(h => (h, NotificationKind.Escalation))],
            _ => throw new ArgumentOutOfRangeException(nameof(milestone), milestone.Kind, "Unknown milestone kind."),
        };
    }

    /// <summary>The unit escalation level <paramref name="level"/> reaches: 1 is the case's unit, 2 its parent, and so on
    /// (the materialised path lists the chain); null beyond the top or before dispatch.</summary>
    private static string? EscalationUnit(DueClockRow row, int level) => EscalationUnit(row.UnitPath, level);

    /// <summary>The unit escalation level <paramref name="level"/> reaches from the last unit of <paramref name="unitPath"/>
    /// (a materialised path): 1 is that unit, 2 its parent, and so on; null beyond the top.</summary>
    public static string? EscalationUnit(string unitPath, int level)
    {
        var chain = unitPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var index = chain.Length - level;
        return index >= 0 && index < chain.Length ? chain[index] : null;
    }

    private static string Text(DueClockRow row, CaseClock clock, Milestone milestone, TimeZoneInfo zone, bool late)
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
}
