namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>The time-limit clocks every case runs.</summary>
public enum ClockKind
{
    /// <summary>派单: from receipt until the case is dispatched to a unit.</summary>
    Dispatch,

    /// <summary>联系客户: from receipt until the handler first contacts the customer.</summary>
    FirstContact,

    /// <summary>答复: from receipt until the customer gets the handling result.</summary>
    Reply,

    /// <summary>回访: from the reply until the satisfaction callback.</summary>
    Callback,
}

/// <summary>The lifecycle event that starts a clock.</summary>
public enum ClockStartEvent
{
    /// <summary>受理: the case was received (accepted) from an intake channel.</summary>
    Received,

    /// <summary>答复: the customer was given the handling result.</summary>
    Replied,
}

public static class ClockKindExtensions
{
    /// <summary>Dispatch, first contact and reply start when the case is received; callback starts at the reply.</summary>
    public static ClockStartEvent StartEvent(this ClockKind clock) =>
        clock == ClockKind.Callback ? ClockStartEvent.Replied : ClockStartEvent.Received;
}
