using System.Globalization;
using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.Lifecycle;

/// <summary>
/// The lifecycle rules of a complaint case (受理 → 派单 → 签收 → 联系客户 → 答复 → 回访 → 审核归档, with 回退, 挂起 and
/// reopening). Each step checks the current status and returns the new state with its history entry, or throws
/// FAILED_PRECONDITION (reason ILLEGAL_TRANSITION). Pure: no I/O, and "now" is passed in by the caller.
/// </summary>
public static class CaseLifecycle
{
    public const int NoteMaxLength = 500;

    public static Transition DispatchToUnit(CaseState s, string unitId, string note)
    {
        Require(s, CaseAction.DispatchedToUnit);
        return Step(s, s with { Status = CaseStatus.Dispatched, UnitId = unitId, HandlerId = null }, CaseAction.DispatchedToUnit,
            ("unit_id", unitId), ("note", note));
    }

    public static Transition AssignHandler(CaseState s, string handlerId, string note)
    {
        Require(s, CaseAction.HandlerAssigned);
        if (s.HandlerId == handlerId)
            throw Illegal(s, CaseAction.HandlerAssigned, "HANDLER_ALREADY_ASSIGNED", $"The case is already assigned to {handlerId}.");
        return Step(s, s with { Status = CaseStatus.Assigned, HandlerId = handlerId }, CaseAction.HandlerAssigned,
            ("handler_id", handlerId), ("previous_handler_id", s.HandlerId ?? ""), ("note", note));
    }

    /// <summary>签收. A case reassigned after the customer was already contacted goes straight back to handling.</summary>
    public static Transition AcceptAssignment(CaseState s)
    {
        Require(s, CaseAction.AssignmentAccepted);
        var next = s.FirstContactAt is null ? CaseStatus.Accepted : CaseStatus.Contacted;
        return Step(s, s with { Status = next }, CaseAction.AssignmentAccepted, ("handler_id", s.HandlerId ?? ""));
    }

    public static Transition ReturnAssignment(CaseState s, string reason)
    {
        Require(s, CaseAction.AssignmentReturned);
        return Step(s, s with { Status = CaseStatus.Dispatched, HandlerId = null }, CaseAction.AssignmentReturned,
            ("returned_by", s.HandlerId ?? ""), ("reason", reason));
    }

    /// <summary>联系客户. The contact time may not be in the future nor before the complaint was received.</summary>
    public static Transition RecordFirstContact(CaseState s, DateTimeOffset contactAt, DateTimeOffset now, string note)
    {
        Require(s, CaseAction.FirstContactRecorded);
        new RequestValidator()
            .Check(contactAt <= now, "contact_time", "is in the future")
            .Check(contactAt >= s.ReceivedAt, "contact_time", "is before the complaint was received")
            .ThrowIfInvalid();
        return Step(s, s with { Status = CaseStatus.Contacted, FirstContactAt = contactAt }, CaseAction.FirstContactRecorded,
            ("contact_time", contactAt.ToString("O", CultureInfo.InvariantCulture)), ("note", note));
    }

    public static Transition ReplyToCustomer(CaseState s, string replyText, DateTimeOffset now)
    {
        Require(s, CaseAction.RepliedToCustomer);
        return Step(s, s with { Status = CaseStatus.Replied, ReplyAt = now }, CaseAction.RepliedToCustomer, ("reply_text", replyText));
    }

    /// <summary>回访. A dissatisfied customer reopens the case: the handler must reply again.</summary>
    public static Transition RecordCallback(CaseState s, bool satisfied, int score, string note)
    {
        Require(s, satisfied ? CaseAction.CallbackSatisfied : CaseAction.CallbackDissatisfied);
        var next = satisfied
            ? s with { Status = CaseStatus.CalledBack, CallbackScore = score }
            : s with { Status = CaseStatus.Contacted, CallbackScore = score, ReopenCount = s.ReopenCount + 1, ReplyAt = null };
        return Step(s, next, satisfied ? CaseAction.CallbackSatisfied : CaseAction.CallbackDissatisfied,
            ("score", score.ToString(CultureInfo.InvariantCulture)), ("note", note));
    }

    public static Transition Suspend(CaseState s, string reason)
    {
        Require(s, CaseAction.Suspended);
        return Step(s, s with { Status = CaseStatus.Suspended, SuspendedFrom = s.Status }, CaseAction.Suspended, ("reason", reason));
    }

    public static Transition Resume(CaseState s, string note)
    {
        Require(s, CaseAction.Resumed);
        return Step(s, s with { Status = s.SuspendedFrom, SuspendedFrom = CaseStatus.Unspecified }, CaseAction.Resumed, ("note", note));
    }

    /// <summary>审核归档 with the substantiation decision (属实性认定).</summary>
    public static Transition Close(CaseState s, Substantiation substantiation, string reviewNote, DateTimeOffset now)
    {
        Require(s, CaseAction.Closed);
        return Step(s, s with { Status = CaseStatus.Closed, ClosedAt = now, Substantiation = substantiation }, CaseAction.Closed,
            ("substantiation", substantiation.ToString()), ("review_note", reviewNote));
    }

    public static Transition Reopen(CaseState s, string reason)
    {
        Require(s, CaseAction.Reopened);
        return Step(s, s with { Status = CaseStatus.Contacted, ClosedAt = null, ReplyAt = null, ReopenCount = s.ReopenCount + 1 },
            CaseAction.Reopened, ("reason", reason));
    }

    /// <summary>Re-grading (a new level or customer class) of an open case; the time limits follow the new grade.</summary>
    public static Transition Regrade(CaseState s, Level level, CustomerClass customerClass, string reason)
    {
        Require(s, CaseAction.Regraded);
        var next = s with
        {
            Level = level == Level.Unspecified ? s.Level : level,
            CustomerClass = customerClass == CustomerClass.Unspecified ? s.CustomerClass : customerClass,
        };
        if (next == s)
            throw new DomainException(ErrorKind.FailedPrecondition, "GRADE_UNCHANGED", "The case already has that level and customer class.");
        return Step(s, next, CaseAction.Regraded, ("level", next.Level.ToString()), ("previous_level", s.Level.ToString()),
            ("customer_class", next.CustomerClass.ToString()), ("previous_customer_class", s.CustomerClass.ToString()), ("reason", reason));
    }

    /// <summary>抱怨/意见建议 → 投诉: a grumble or an opinion not yet replied to becomes a complaint. The status stays; the
    /// case keeps what it was received as and when it was converted; the complaint's clocks count from
    /// <paramref name="clocksFrom"/> (<see cref="TimeLimits.ClockPlan"/>). A case in another status is refused like any
    /// illegal step; one of another kind with FAILED_PRECONDITION, reason NOT_CONVERTIBLE (metadata "request_kind").</summary>
    public static Transition ConvertToComplaint(CaseState s, string reason, Intake.ConversionClocksFrom clocksFrom, DateTimeOffset now)
    {
        Require(s, CaseAction.ConvertedToComplaint);
        if (!Intake.Conversion.IsConvertible(s.RequestKind))
            throw new DomainException(ErrorKind.FailedPrecondition, "NOT_CONVERTIBLE",
                $"Only a grumble or an opinion can be converted to a complaint; this case is a {s.RequestKind}.",
                metadata: new Dictionary<string, string> { ["request_kind"] = s.RequestKind.ToString(), ["action"] = CaseAction.ConvertedToComplaint.Rpc() });
        var next = s with { RequestKind = RequestKind.Complaint, OriginalRequestKind = s.RequestKind, ConvertedAt = now };
        return Step(s, next, CaseAction.ConvertedToComplaint, ("from_kind", s.RequestKind.ToString()),
            ("to_kind", RequestKind.Complaint.ToString()), ("reason", reason), ("clocks_from", clocksFrom.ToString())) with
        {
            ClocksFrom = clocksFrom,
        };
    }

    /// <summary>Each lifecycle action and the statuses it is allowed from; the single source of the rules above.
    /// The worker's actions (breach, escalation) and submission have no "from": they are not lifecycle steps.</summary>
    public static readonly IReadOnlyDictionary<CaseAction, CaseStatus[]> AllowedFrom = new Dictionary<CaseAction, CaseStatus[]>
    {
        [CaseAction.DispatchedToUnit] = [CaseStatus.Received, CaseStatus.Dispatched, CaseStatus.Assigned],
        [CaseAction.HandlerAssigned] = [CaseStatus.Dispatched, CaseStatus.Assigned, CaseStatus.Accepted, CaseStatus.Contacted],
        [CaseAction.AssignmentAccepted] = [CaseStatus.Assigned],
        [CaseAction.AssignmentReturned] = [CaseStatus.Assigned, CaseStatus.Accepted],
        [CaseAction.FirstContactRecorded] = [CaseStatus.Accepted],
        [CaseAction.RepliedToCustomer] = [CaseStatus.Contacted],
        [CaseAction.CallbackSatisfied] = [CaseStatus.Replied],
        [CaseAction.CallbackDissatisfied] = [CaseStatus.Replied],
        [CaseAction.Suspended] = [CaseStatus.Dispatched, CaseStatus.Assigned, CaseStatus.Accepted, CaseStatus.Contacted, CaseStatus.Replied],
        [CaseAction.Resumed] = [CaseStatus.Suspended],
        [CaseAction.Closed] = [CaseStatus.CalledBack],
        [CaseAction.Reopened] = [CaseStatus.Closed],
        [CaseAction.Regraded] = [CaseStatus.Received, CaseStatus.Dispatched, CaseStatus.Assigned, CaseStatus.Accepted, CaseStatus.Contacted,
            CaseStatus.Replied, CaseStatus.CalledBack, CaseStatus.Suspended],
        // Evaluation (Evaluation/FindingSteps): the finding is recorded once the case is being handled, changed only after close.
        [CaseAction.FindingRecorded] = [CaseStatus.Contacted, CaseStatus.Replied, CaseStatus.CalledBack],
        [CaseAction.FindingChanged] = [CaseStatus.Closed],
        [CaseAction.ClosureSubmitted] = [CaseStatus.CalledBack],
        [CaseAction.ClosureApproved] = [CaseStatus.InReview],
        [CaseAction.ClosureRejected] = [CaseStatus.InReview],
        [CaseAction.QualityConfirmed] = [CaseStatus.Closed],
        [CaseAction.QualityOverturned] = [CaseStatus.Closed],
        // Before the reply: a replied grumble is converted once a dissatisfied callback reopens it (CONTACTED); a
        // suspended one once resumed, so the new clocks never start paused.
        [CaseAction.ConvertedToComplaint] = [CaseStatus.Received, CaseStatus.Dispatched, CaseStatus.Assigned, CaseStatus.Accepted,
            CaseStatus.Contacted],
    };

    /// <summary>The ComplaintService RPC that performs an action (named in ILLEGAL_TRANSITION's "action" metadata);
    /// empty for the worker's actions. Exhaustive: a new action does not compile until it is named here.</summary>
    public static string Rpc(this CaseAction action) => action switch
    {
        CaseAction.Submitted => "SubmitComplaint",
        CaseAction.DispatchedToUnit => "DispatchToUnit",
        CaseAction.HandlerAssigned => "AssignHandler",
        CaseAction.AssignmentAccepted => "AcceptAssignment",
        CaseAction.AssignmentReturned => "ReturnAssignment",
        CaseAction.FirstContactRecorded => "RecordFirstContact",
        CaseAction.RepliedToCustomer => "ReplyToCustomer",
        CaseAction.CallbackSatisfied or CaseAction.CallbackDissatisfied => "RecordCallback",
        CaseAction.Suspended => "SuspendComplaint",
        CaseAction.Resumed => "ResumeComplaint",
        CaseAction.Closed => "CloseComplaint",
        CaseAction.Reopened => "ReopenComplaint",
        CaseAction.Regraded => "RegradeComplaint",
        CaseAction.FindingRecorded => "RecordFinding",
        CaseAction.FindingChanged => "ChangeFinding",
        CaseAction.ClosureSubmitted => "CloseComplaint",
        CaseAction.ClosureApproved => "ApproveClosure",
        CaseAction.ClosureRejected => "RejectClosure",
        CaseAction.QualityConfirmed or CaseAction.QualityOverturned => "RecordQualityVerdict",
        CaseAction.Chased or CaseAction.WarningRaised => "SubmitComplaint",
        CaseAction.ConvertedToComplaint => "ConvertToComplaint",
        CaseAction.ClockBreached or CaseAction.Escalated or CaseAction.Unspecified => "",
    };

    /// <summary>Refuses (ILLEGAL_TRANSITION) an action the case's status does not allow.</summary>
    public static void Require(CaseState s, CaseAction action)
    {
        var allowed = AllowedFrom[action];
        if (!allowed.Contains(s.Status))
            throw Illegal(s, action, "ILLEGAL_TRANSITION",
                $"{action.Rpc()} is not allowed when the case is {s.Status}; it is allowed from {string.Join(", ", allowed)}.");
    }

    private static DomainException Illegal(CaseState s, CaseAction action, string reason, string message) =>
        new(ErrorKind.FailedPrecondition, reason, message,
            metadata: new Dictionary<string, string> { ["from"] = s.Status.ToString(), ["action"] = action.Rpc() });

    internal static Transition Step(CaseState from, CaseState to, CaseAction action, params (string Key, string Value)[] details) =>
        new(from, to, action, details.Where(d => d.Value.Length > 0).ToDictionary(d => d.Key, d => d.Value));
}
