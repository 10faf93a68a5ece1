using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Lifecycle;

namespace ComplaintGrpc.Domain.Evaluation;

/// <summary>The verdict of a quality inspector on a sampled 不属实 finding. A confirmation keeps the case closed; an
/// overturn reopens it (like ReopenComplaint, the reply clock restarts) with no substantiation until a new finding, and
/// names the reviewer it is charged to.</summary>
public static class QualitySteps
{
    public static Transition Confirm(CaseState s, int findingVersion, string reviewer, string reason)
    {
        CaseLifecycle.Require(s, CaseAction.QualityConfirmed);
        return CaseLifecycle.Step(s, s, CaseAction.QualityConfirmed,
            ("finding_version", findingVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("reviewer", reviewer), ("reason", reason));
    }

    public static Transition Overturn(CaseState s, int findingVersion, string reviewer, string reviewerUnitId, string reason)
    {
        CaseLifecycle.Require(s, CaseAction.QualityOverturned);
        var reopened = s with
        {
            Status = CaseStatus.Contacted, ClosedAt = null, ReplyAt = null, ReopenCount = s.ReopenCount + 1, Substantiation = Substantiation.Unspecified,
        };
        return CaseLifecycle.Step(s, reopened, CaseAction.QualityOverturned,
            ("set_aside_finding_version", findingVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("charged_reviewer", reviewer), ("charged_reviewer_unit_id", reviewerUnitId), ("reason", reason));
    }
}
