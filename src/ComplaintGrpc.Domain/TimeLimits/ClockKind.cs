using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.TimeLimits;

// The clocks every case runs are the contract's ClockKind (types.proto): 派单 dispatch, 联系客户 first contact,
// 答复 reply, 回访 callback. The database stores their C# names ("Dispatch", "FirstContact", ...).

/// <summary>The lifecycle event that starts a clock.</summary>
public enum ClockStartEvent
{
    /// <summary>受理: the case was received (accepted) from an intake channel.</summary>
    Received,

    /// <summary>答复: the customer was given the handling result.</summary>
    Replied,

    /// <summary>逐级审核: the closure was submitted for review, or a level approved and the next must.</summary>
    ReviewRequested,
}

public static class ClockKinds
{
    /// <summary>Every clock a case runs (the contract's enum without Unspecified), in the order they are shown.</summary>
    public static readonly IReadOnlyList<ClockKind> All = [ClockKind.Dispatch, ClockKind.FirstContact, ClockKind.Reply, ClockKind.Callback, ClockKind.Review];

    /// <summary>Dispatch, first contact and reply start when the case is received; callback starts at the reply; review
    /// when the closure is submitted for review.</summary>
    public static ClockStartEvent StartEvent(this ClockKind clock) => clock switch
    {
        ClockKind.Callback => ClockStartEvent.Replied,
        ClockKind.Review => ClockStartEvent.ReviewRequested,
        _ => ClockStartEvent.Received,
    };

    /// <summary>The clock's Chinese name, as notifications, reports and CSV headers show it.</summary>
    public static string ChineseName(this ClockKind clock) => clock switch
    {
        ClockKind.Dispatch => "派单",
        ClockKind.FirstContact => "联系客户",
        ClockKind.Reply => "答复",
        ClockKind.Callback => "回访",
        ClockKind.Review => "审核",
        ClockKind.Unspecified => "",
    };
}
