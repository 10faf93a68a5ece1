using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.Lifecycle;

/// <summary>The part of a case that the lifecycle rules read and change.</summary>
public sealed record CaseState
{
    public required CaseStatus Status { get; init; }
    public required DateTimeOffset ReceivedAt { get; init; }
    public string? UnitId { get; init; }
    public string? HandlerId { get; init; }
    /// <summary>While suspended: the status a resume returns to; otherwise Unspecified.</summary>
    public CaseStatus SuspendedFrom { get; init; }
    public DateTimeOffset? FirstContactAt { get; init; }
    public DateTimeOffset? ReplyAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    public int ReopenCount { get; init; }
    public int CallbackScore { get; init; }
    public Substantiation Substantiation { get; init; }
    public Level Level { get; init; }
    public CustomerClass CustomerClass { get; init; }
    /// <summary>The case's current kind; COMPLAINT once a grumble or opinion was converted.</summary>
    public RequestKind RequestKind { get; init; }
    /// <summary>What a converted case was received as; Unspecified when it was never converted.</summary>
    public RequestKind OriginalRequestKind { get; init; }
    /// <summary>When the case was converted to a complaint; null when it never was.</summary>
    public DateTimeOffset? ConvertedAt { get; init; }

    public bool IsOpen => Status != CaseStatus.Closed;
}

/// <summary>The outcome of one lifecycle step: the new state and the history entry that records it.</summary>
/// <param name="Action">What the history records for the step.</param>
/// <param name="Details">What changed, field name to new value, notes and reasons included.</param>
public sealed record Transition(CaseState From, CaseState To, CaseAction Action, IReadOnlyDictionary<string, string> Details)
{
    /// <summary>For a conversion to a complaint: where the complaint's clocks count from. Null for every other step.</summary>
    public Intake.ConversionClocksFrom? ClocksFrom { get; init; }
}
