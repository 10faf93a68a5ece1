using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.TimeLimits;

namespace ComplaintGrpc.Domain.Rectification;

/// <summary>Bound from <c>Rectification:*</c>.</summary>
public sealed class RectificationOptions
{
    /// <summary>The length of each evaluation period (before opening, after completion) when the plan gives none.</summary>
    [System.ComponentModel.DataAnnotations.Range(7, 366)]
    public int EvaluationDays { get; set; } = 90;
}

/// <summary>The rules of a rectification's life (整改): which step is allowed in which status, its due instant and
/// its clock. Pure.</summary>
public static class Rectifications
{
    public const int PlanMaxLength = 4000;
    public const int NoteMaxLength = 4000;
    public const int ReasonMaxLength = 1000;
    public const int MaxLinkedCases = 200;
    public const int MaxScopeEntries = 20;
    public const int MaxDueDays = 366;
    public const int MinEvaluationDays = 7;
    public const int MaxEvaluationDays = 366;

    /// <summary>The due instant of a due date: 24:00 local time of that date in <paramref name="zone"/> (work done on the
    /// date itself is on time), as day-based time limits count.</summary>
    public static DateTimeOffset DueAt(DateOnly dueDate, TimeZoneInfo zone)
    {
        var end = dueDate.AddDays(1).ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(end, zone.GetUtcOffset(end));
    }

    /// <summary>Whether <paramref name="dueDate"/> is acceptable at <paramref name="now"/>: after today, local time,
    /// and at most <see cref="MaxDueDays"/> ahead; null when it is, else what is wrong.</summary>
    public static string? DueDateProblem(DateOnly dueDate, DateTimeOffset now, TimeZoneInfo zone)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        if (dueDate <= today)
            return $"must be after today ({today:yyyy-MM-dd} in the owner unit's time zone)";
        return dueDate > today.AddDays(MaxDueDays) ? $"must be at most {MaxDueDays} days ahead" : null;
    }

    /// <summary>Update and complete need an open rectification; cancel an open or completed one (not yet evaluated).</summary>
    public static void Require(RectificationStatus status, RectificationStep step)
    {
        var allowed = step switch
        {
            RectificationStep.Update or RectificationStep.Complete => status == RectificationStatus.Open,
            RectificationStep.Cancel => status is RectificationStatus.Open or RectificationStatus.Completed,
            _ => false,
        };
        if (!allowed)
            throw new DomainException(ErrorKind.FailedPrecondition, "RECTIFICATION_NOT_OPEN",
                $"A rectification that is {status} cannot be {step.ToString().ToLowerInvariant()}d.",
                metadata: new Dictionary<string, string> { ["status"] = status.ToString(), ["step"] = step.ToString() });
    }

    /// <summary>
    /// The rectification's clock in the shape the time-limit rules take, so that its reminders, breach and escalation
    /// follow <see cref="Milestones"/> exactly as every case clock does: it runs from opening to the due instant and
    /// stops at completion or cancellation (a completion after the due instant still leaves its breach on record).
    /// </summary>
    public static CaseClock Clock(int round, DateTimeOffset openedAt, DateTimeOffset dueAt, DateTimeOffset? stoppedAt) =>
        new(ClockKind.Unspecified, round, openedAt,
            new Deadline(dueAt, TimeLimit.CalendarDays(Math.Max(1, (int)Math.Ceiling((dueAt - openedAt).TotalDays))), CalendarCovered: true),
            SuspendedAt: null, Pauses: [], StoppedAt: stoppedAt);

    public static bool IsOverdue(DateTimeOffset dueAt, DateTimeOffset? completedAt, DateTimeOffset? cancelledAt, DateTimeOffset now) =>
        cancelledAt is null && (completedAt ?? now) >= dueAt;
}

public enum RectificationStep
{
    Update,
    Complete,
    Cancel,
}
