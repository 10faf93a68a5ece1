using System.ComponentModel.DataAnnotations;
using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>Bound from <c>TimeLimits:Milestones</c>: when the worker reminds and escalates.</summary>
public sealed class MilestoneOptions
{
    /// <summary>Reminders to the handler when this share of the time between start and due has passed.</summary>
    public IList<int>? ReminderPercents { get; set; }

    public IReadOnlyList<int> Percents => ReminderPercents is { Count: > 0 } p ? [.. p.Distinct().Order()] : [50, 80];

    /// <summary>A last call this long before due (skipped when that is before the clock started).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan LastCallBefore { get; set; } = TimeSpan.FromHours(2);

    /// <summary>After the breach (level 1: the head of the case's unit), one unit further up per interval.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan EscalationInterval { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How many levels escalation climbs: 3 = station head, county, city.</summary>
    [Range(1, 5)]
    public int EscalationLevels { get; set; } = 3;

    /// <summary>Quiet hours (local time of the case's unit): reminders for normal and important complaints are held
    /// until <see cref="QuietHoursEnd"/>. Major and special complaints are never held.</summary>
    public TimeOnly QuietHoursStart { get; set; } = new(22, 0);

    public TimeOnly QuietHoursEnd { get; set; } = new(8, 0);

    /// <summary>A milestone acted on more than this long after it fell due is marked late (the worker was down).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LateAfter { get; set; } = TimeSpan.FromMinutes(2);
}

public enum MilestoneKind
{
    /// <summary>催办: a reminder to the handler before the deadline.</summary>
    Reminder,
    /// <summary>The deadline passed with the clock still running: the handler is told and escalation level 1 starts.</summary>
    Breach,
    /// <summary>督办: the breach is escalated one unit further up.</summary>
    Escalation,
}

/// <summary>One point on a clock at which someone is told something. <see cref="Name"/> is stable
/// ("reminder-50", "last-call", "breach", "escalation-2") and part of the notification's dedup key.</summary>
public sealed record Milestone(string Name, MilestoneKind Kind, DateTimeOffset At, int EscalationLevel);

/// <summary>What the worker has recorded on a clock: when it last acted (every reminder due by then was raised),
/// the breach it put on record and how far escalation has climbed. A new round of a clock starts from <see cref="None"/>
/// except for <see cref="EnforcedAt"/>, which a new round (started later) never reaches back to.</summary>
public sealed record EnforcementRecord(DateTimeOffset? EnforcedAt, DateTimeOffset? BreachedAt, int EscalationLevel)
{
    public static readonly EnforcementRecord None = new(null, null, 0);
}

/// <summary>The reminder and escalation points of a clock, and the quiet-hours rule. Pure.</summary>
public static class Milestones
{
    /// <summary>Every milestone of a clock in time order. Percent reminders are measured over the wall-clock span from
    /// start to the current due (which includes any pauses, since resuming moves the due).</summary>
    public static IReadOnlyList<Milestone> Of(CaseClock clock, MilestoneOptions options)
    {
        var start = clock.StartedAt;
        var due = clock.Deadline.DueAt;
        var span = due - start;
        var list = new List<Milestone>();
        foreach (var percent in options.Percents.Where(p => p is > 0 and < 100))
            list.Add(new Milestone($"reminder-{percent}", MilestoneKind.Reminder, start + span * (percent / 100.0), 0));
        var lastCall = due - options.LastCallBefore;
        if (options.LastCallBefore > TimeSpan.Zero && lastCall > start && list.TrueForAll(m => m.At < lastCall))
            list.Add(new Milestone("last-call", MilestoneKind.Reminder, lastCall, 0));
        list.Add(new Milestone("breach", MilestoneKind.Breach, due, 1));
        for (var level = 2; level <= options.EscalationLevels; level++)
            list.Add(new Milestone($"escalation-{level}", MilestoneKind.Escalation, due + options.EscalationInterval * (level - 1), level));
        return list;
    }

    /// <summary>
    /// The milestones the worker must act on at <paramref name="now"/>, given what it has already recorded. A running
    /// clock: every milestone due by now that is not on record (a reminder is on record once the worker acted after
    /// it fell due; the breach and escalations by the escalation level reached). A stopped or suspended clock is
    /// chased no more, but a breach it ran into must still go on record: then the breach alone.
    /// </summary>
    public static IReadOnlyList<Milestone> Pending(CaseClock clock, EnforcementRecord record, DateTimeOffset now, MilestoneOptions options)
    {
        var all = Of(clock, options);
        if (!clock.IsRunning)
            return record.BreachedAt is null && clock.IsBreachedAt(now) && clock.Deadline.DueAt <= now
                ? [.. all.Where(m => m.Kind == MilestoneKind.Breach)]
                : [];
        return [.. all.Where(m => m.At <= now && !IsOnRecord(m, record))];
    }

    /// <summary>
    /// When the worker must next look at the clock: the first milestone not yet on record (in the past when the clock
    /// was written late, e.g. a back-dated receipt: then at once), <paramref name="now"/> for a stopped or suspended
    /// clock whose breach is not yet on record, and null when nothing more is to be done (stopped or suspended with
    /// nothing pending, or past the last escalation). Writing a clock never makes it due by itself.
    /// </summary>
    public static DateTimeOffset? NextActionAt(CaseClock clock, EnforcementRecord record, DateTimeOffset now, MilestoneOptions options)
    {
        if (!clock.IsRunning)
            return Pending(clock, record, now, options).Count > 0 ? now : null;
        return Of(clock, options).FirstOrDefault(m => !IsOnRecord(m, record))?.At;
    }

    private static bool IsOnRecord(Milestone m, EnforcementRecord record) => m.Kind == MilestoneKind.Reminder
        ? record.EnforcedAt is { } enforced && m.At <= enforced
        : record.EscalationLevel >= m.EscalationLevel;

    /// <summary>When a notification raised at <paramref name="at"/> may go out: at once for major and special
    /// complaints and outside quiet hours; otherwise at the end of the quiet hours, local time of <paramref name="zone"/>.</summary>
    public static DateTimeOffset DeliverAfter(DateTimeOffset at, Level level, TimeZoneInfo zone, MilestoneOptions options)
    {
        if (level is Level.Major or Level.Special)
            return at;
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var time = TimeOnly.FromTimeSpan(local.TimeOfDay);
        var (start, end) = (options.QuietHoursStart, options.QuietHoursEnd);
        var quiet = start <= end ? time >= start && time < end : time >= start || time < end;
        if (!quiet)
            return at;
        var endDate = DateOnly.FromDateTime(local.DateTime);
        if (time >= end && start > end)
            endDate = endDate.AddDays(1);
        var endLocal = endDate.ToDateTime(end);
        return new DateTimeOffset(endLocal, zone.GetUtcOffset(endLocal));
    }
}
