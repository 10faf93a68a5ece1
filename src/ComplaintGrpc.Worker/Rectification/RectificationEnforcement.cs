using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Rectification;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.Storage;
using ComplaintGrpc.Worker.TimeLimits;

namespace ComplaintGrpc.Worker.Rectification;

/// <summary>A rectification whose clock has a milestone due, with its owner unit's zone and chain.</summary>
public sealed class DueRectificationRow
{
    public Guid Id { get; init; }
    public string OwnerUnitId { get; init; } = "";
    public int ClockRound { get; init; }
    public DateTime OpenedAt { get; init; }
    public DateTime DueAt { get; init; }
    public DateTime? StoppedAt { get; init; }
    public DateTime? BreachedAt { get; init; }
    public int EscalationLevel { get; init; }
    public DateTime? EnforcedAt { get; init; }
    public string TimeZone { get; init; } = "";
    public string UnitPath { get; init; } = "";

    public CaseClock Clock => Rectifications.Clock(ClockRound, OpenedAt.AsUtc(), DueAt.AsUtc(), StoppedAt?.AsUtc());
    public EnforcementRecord Record => new(EnforcedAt?.AsUtc(), BreachedAt?.AsUtc(), EscalationLevel);
}

/// <summary>What the worker records on a rectification's clock after acting on it at <c>enforced_at</c>.</summary>
public sealed record RectificationEnforced(Guid Id, DateTimeOffset? BreachedAt, int EscalationLevel, DateTimeOffset? NextActionAt);

public sealed record RectificationPlan(IReadOnlyList<NewNotification> Notifications, IReadOnlyList<RectificationEnforced> Clocks,
    IReadOnlyList<(DueRectificationRow Row, DateTimeOffset DueAt)> Breaches);

/// <summary>
/// Decides, without I/O, what to do about a batch of rectifications whose clock has a milestone due at <c>now</c>, by
/// the same <see cref="Milestones"/> rules as every case clock: reminders (整改催办) to the supervisors of the owner
/// unit; the breach (recorded at the due instant) to them as an escalation; escalation level N (整改督办) to the
/// supervisors of the unit N-1 steps above the owner. Only milestones not on record are acted on, and every
/// notification's key (rectification, round, milestone, recipient) is unique, so a repeated batch raises nothing twice.
/// Quiet hours hold reminders and escalations alike until morning, as for a normal case.
/// </summary>
public static class RectificationEnforcement
{
    public const string ClockName = "Rectification";

    public static RectificationPlan Plan(IReadOnlyList<DueRectificationRow> due, ILookup<string, string> supervisorsByUnit, DateTimeOffset now,
        MilestoneOptions options)
    {
        var notifications = new List<NewNotification>();
        var clocks = new List<RectificationEnforced>();
        var breaches = new List<(DueRectificationRow, DateTimeOffset)>();
        foreach (var row in due)
        {
            var clock = row.Clock;
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
                }
                // Completed or cancelled: chased no more; a breach it ran into is on record above.
                if (!clock.IsRunning)
                    continue;
                if (milestone.Kind != MilestoneKind.Reminder)
                    level = milestone.EscalationLevel;
                var unit = ClockEnforcement.EscalationUnit(row.UnitPath, Math.Max(1, milestone.EscalationLevel));
                var kind = milestone.Kind == MilestoneKind.Reminder ? NotificationKind.RectificationReminder : NotificationKind.RectificationEscalation;
                var late = now - milestone.At > options.LateAfter;
                foreach (var recipient in unit is null ? [] : supervisorsByUnit[unit])
                    notifications.Add(new NewNotification(
                        Id: Guid.CreateVersion7(now),
                        DedupKey: $"rectification:{row.Id}:{row.ClockRound}:{milestone.Name}:{recipient}",
                        HandlerId: recipient,
                        Kind: kind.ToString(),
                        ComplaintId: null,
                        Text: Text(row, clock, milestone, zone, late),
                        CreatedAt: now,
                        DeliverAfter: Milestones.DeliverAfter(now, Level.Normal, zone, options),
                        Clock: ClockName,
                        Milestone: milestone.Name,
                        MilestoneAt: milestone.At,
                        Late: late,
                        RectificationId: row.Id));
            }
            var after = new EnforcementRecord(now, breachedAt, level);
            clocks.Add(new RectificationEnforced(row.Id, breachedAt, level, Milestones.NextActionAt(clock, after, now, options)));
        }
        return new RectificationPlan(notifications, clocks, breaches);
    }

    /// <summary>The units whose supervisors a batch may need: each owner unit and the chain above it.</summary>
    public static string[] UnitsInvolved(IEnumerable<DueRectificationRow> due) =>
        [.. due.SelectMany(r => r.UnitPath.Split('/', StringSplitOptions.RemoveEmptyEntries)).Distinct()];

    private static string Text(DueRectificationRow row, CaseClock clock, Milestone milestone, TimeZoneInfo zone, bool late)
    {
        var due = TimeZoneInfo.ConvertTime(clock.Deadline.DueAt, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        var what = milestone.Kind switch
        {
            MilestoneKind.Reminder => $"[整改催办 Reminder] 整改 {row.Id} ({row.OwnerUnitId}) 将于 {due} 到期 ({milestone.Name}).",
            MilestoneKind.Breach => $"[整改超期 Overdue] 整改 {row.Id} ({row.OwnerUnitId}) 已于 {due} 超期.",
            _ => $"[整改督办 Escalation L{milestone.EscalationLevel}] 整改 {row.Id} ({row.OwnerUnitId}) 已于 {due} 超期, 请督办.",
        };
        return late ? what + " (迟发 late: the worker was not running when this fell due)" : what;
    }
}
