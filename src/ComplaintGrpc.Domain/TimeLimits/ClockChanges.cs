using System.Globalization;

namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>What a lifecycle step did to a case's clocks, in the words its history entry records them: "Reply.due"
/// (a new clock's due, or "old -> new"), "Reply.remaining" when suspended, "Reply.stopped" ("on time" or "late"). Pure.</summary>
public static class ClockChanges
{
    /// <summary>Whether the step left the clock as it was (nothing to write, nothing to record).</summary>
    public static bool Unchanged(CaseClock? old, CaseClock c) =>
        old is not null && old.Round == c.Round && old.Deadline == c.Deadline && old.SuspendedAt == c.SuspendedAt
        && old.StoppedAt == c.StoppedAt && old.Pauses.SequenceEqual(c.Pauses);

    /// <summary>Adds what changed from <paramref name="old"/> (null: the clock is new) to <paramref name="c"/>.</summary>
    public static void Describe(CaseClock? old, CaseClock c, DateTimeOffset now, IDictionary<string, string> changes)
    {
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

    /// <summary>What the worker has on record for <paramref name="c"/>, given its record of the stored clock (null: none)
    /// and that clock's round: a new round is a new clock, so only the enforced_at watermark carries over.</summary>
    public static EnforcementRecord RecordFor(CaseClock c, EnforcementRecord? stored, int storedRound) =>
        stored is null || storedRound != c.Round ? EnforcementRecord.None with { EnforcedAt = stored?.EnforcedAt } : stored;

    private static string Iso(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);
}
