using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Lifecycle;

namespace ComplaintGrpc.Domain.Evaluation;

/// <summary>
/// The lifecycle steps of the finding (rules in <see cref="CaseLifecycle.AllowedFrom"/>): recording one before close
/// keeps the status; changing one after close keeps the case closed and moves its substantiation to the new outcome.
/// The history entry names the version written and, for a change, the version it replaces, so both stay readable.
/// </summary>
public static class FindingSteps
{
    public static Transition Record(CaseState s, Finding finding, int version)
    {
        CaseLifecycle.Require(s, CaseAction.FindingRecorded);
        return CaseLifecycle.Step(s, s, CaseAction.FindingRecorded, Describe(finding, version));
    }

    public static Transition Change(CaseState s, Finding previous, Finding next, int version, string reason)
    {
        CaseLifecycle.Require(s, CaseAction.FindingChanged);
        var details = Describe(next, version).Concat(
        [
            ("previous_version", previous.Version.ToString(CultureInfo.InvariantCulture)),
            ("previous_outcome", previous.Outcome.ToString()),
            ("previous_recorded_by", previous.RecordedBy),
            ("reason", reason),
        ]).ToArray();
        return CaseLifecycle.Step(s, s with { Substantiation = next.Outcome }, CaseAction.FindingChanged, details);
    }

    private static (string, string)[] Describe(Finding f, int version) =>
    [
        ("finding_version", version.ToString(CultureInfo.InvariantCulture)),
        ("outcome", f.Outcome.ToString()),
        ("investigator_id", f.InvestigatorId),
        ("responsibility_class", f.Responsibility?.ResponsibilityClass.ToString() ?? ""),
        ("responsible_unit_id", f.Responsibility?.UnitId ?? ""),
        ("responsible_department_id", f.Responsibility?.DepartmentId ?? ""),
        ("responsible_post_id", f.Responsibility?.PostId ?? ""),
        ("responsible_staff_id", f.Responsibility?.StaffId ?? ""),
        ("root_causes", string.Join(",", f.RootCauses.Select(c => c.CauseCode))),
        ("basis", f.Basis),
    ];
}
