using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Lifecycle;

namespace ComplaintGrpc.Domain.Evaluation;

/// <summary>
/// The staged review steps (逐级审核). A close of a case the chain covers submits it for review (CALLED_BACK →
/// IN_REVIEW); each approval must come from another supervisor at least one level above the previous signer (the
/// finding's reviewer first), and the last approval needed closes the case with the finding's outcome; a rejection
/// sends it back to CALLED_BACK with a reason.
/// </summary>
public static class ReviewSteps
{
    public static Transition Submit(CaseState s, Substantiation outcome, int approvalsNeeded, string reviewNote)
    {
        CaseLifecycle.Require(s, CaseAction.ClosureSubmitted);
        return CaseLifecycle.Step(s, s with { Status = CaseStatus.InReview }, CaseAction.ClosureSubmitted,
            ("approvals_needed", approvalsNeeded.ToString(CultureInfo.InvariantCulture)), ("outcome", outcome.ToString()), ("review_note", reviewNote));
    }

    /// <param name="approvalsSoFar">Approvals recorded since the case was submitted for review.</param>
    /// <param name="approverUnitId">The unit the approver acts for; empty for the whole organisation.</param>
    public static Transition Approve(CaseState s, int approvalsSoFar, int approvalsNeeded, Substantiation outcome, string approverUnitId,
        string note, DateTimeOffset now)
    {
        CaseLifecycle.Require(s, CaseAction.ClosureApproved);
        var approval = approvalsSoFar + 1;
        var next = approval >= approvalsNeeded
            ? s with { Status = CaseStatus.Closed, ClosedAt = now, Substantiation = outcome }
            : s;
        return CaseLifecycle.Step(s, next, CaseAction.ClosureApproved,
            ("approval", approval.ToString(CultureInfo.InvariantCulture)), ("approvals_needed", approvalsNeeded.ToString(CultureInfo.InvariantCulture)),
            ("approver_unit_id", approverUnitId), ("substantiation", next.Status == CaseStatus.Closed ? outcome.ToString() : ""), ("note", note));
    }

    public static Transition Reject(CaseState s, string approverUnitId, string reason)
    {
        CaseLifecycle.Require(s, CaseAction.ClosureRejected);
        return CaseLifecycle.Step(s, s with { Status = CaseStatus.CalledBack }, CaseAction.ClosureRejected,
            ("approver_unit_id", approverUnitId), ("reason", reason));
    }
}
