using System.Text.Json;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.TimeLimits;

namespace ComplaintGrpc.Storage;

/// <summary>A row of <c>case_clocks</c> as Dapper reads it, and the domain clock it holds. Server and worker read it
/// alike; a query that joins more columns maps into a subclass.</summary>
public class CaseClockRow
{
    public Guid ComplaintId { get; init; }
    public string Clock { get; init; } = "";
    public int Round { get; init; }
    public DateTime StartedAt { get; init; }
    public DateTime DueAt { get; init; }
    public string LimitText { get; init; } = "";
    public bool CalendarCovered { get; init; }
    public DateTime? SuspendedAt { get; init; }
    public string Pauses { get; init; } = "[]";
    public DateTime? StoppedAt { get; init; }
    public DateTime? BreachedAt { get; init; }
    public int EscalationLevel { get; init; }
    public DateTime? EnforcedAt { get; init; }

    public ClockKind Kind => Enum.Parse<ClockKind>(Clock);

    /// <summary>What the worker has recorded on the clock.</summary>
    public EnforcementRecord Record => new(EnforcedAt?.AsUtc(), BreachedAt?.AsUtc(), EscalationLevel);

    public CaseClock ToClock() => new(
        Kind, Round, StartedAt.AsUtc(), new Deadline(DueAt.AsUtc(), TimeLimit.Parse(LimitText), CalendarCovered),
        SuspendedAt is { } s ? s.AsUtc() : null,
        JsonSerializer.Deserialize<List<ClockPause>>(Pauses) ?? [],
        StoppedAt is { } t ? t.AsUtc() : null);
}
