using System.Text.RegularExpressions;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Intake;

namespace ComplaintGrpc.Domain.Evaluation;

/// <summary>
/// The rules of a substantiation finding (属实性认定): what a complete finding holds, what closing needs, and who may
/// change a finding after close. Pure: look-ups (does the root cause, unit, department, post exist) are the caller's.
/// </summary>
public static partial class FindingRules
{
    public const int BasisMaxLength = ComplaintIntake.DescriptionMaxLength;
    public const int MaxEvidence = 20;
    public const int MaxRootCauses = 10;
    public const int NoteMaxLength = 500;

    /// <summary>Whether the outcome found the complaint (partly) true, so a responsible party and causes are named.</summary>
    public static bool IsSubstantiated(this Substantiation outcome) =>
        outcome is Substantiation.Substantiated or Substantiation.PartlySubstantiated;

    /// <summary>Whether the responsibility class names a unit of the utility, so unit, department and post are required.</summary>
    public static bool NamesUtilityUnit(this ResponsibilityClass c) =>
        c is ResponsibilityClass.Marketing or ResponsibilityClass.NonMarketing;

    /// <summary>Adds a violation for every bad field of <paramref name="finding"/> (named under <paramref name="field"/>).
    /// Times against the case (not before receipt, not in the future) are checked here too.</summary>
    public static RequestValidator Finding(this RequestValidator v, string field, Finding? finding, DateTimeOffset receivedAt, DateTimeOffset now)
    {
        if (finding is null)
            return v.Add(field, "is required");
        v.Enum($"{field}.outcome", finding.Outcome)
            .Text($"{field}.basis", finding.Basis, BasisMaxLength, required: true, multiline: true)
            .Check(finding.Evidence.Count <= MaxEvidence, $"{field}.evidence", $"has {finding.Evidence.Count} references; at most {MaxEvidence} are allowed")
            .Identifier($"{field}.investigator_id", finding.InvestigatorId, RequestValidator.HandlerIdPattern(), "a staff id: 2-64 of A-Z a-z 0-9 . _ -");
        for (var i = 0; i < finding.Evidence.Count && i < MaxEvidence; i++)
        {
            var e = finding.Evidence[i];
            v.Text($"{field}.evidence[{i}].attachment_id", e.AttachmentId, 128, required: true)
                .Text($"{field}.evidence[{i}].kind", e.Kind, 64, required: true)
                .Text($"{field}.evidence[{i}].description", e.Description, NoteMaxLength, multiline: true);
        }
        if (finding.InvestigatedTime is null)
            v.Add($"{field}.investigated_time", "is required");
        else if (!ComplaintIntake.IsValidTimestamp(finding.InvestigatedTime))
            v.Add($"{field}.investigated_time", "is not a valid timestamp");
        else
        {
            var at = finding.InvestigatedTime.ToDateTimeOffset();
            v.Check(at <= now, $"{field}.investigated_time", "is in the future")
                .Check(at >= receivedAt, $"{field}.investigated_time", "is before the complaint was received");
        }

        if (!Enum.IsDefined(finding.Outcome) || finding.Outcome == Substantiation.Unspecified)
            return v;
        if (!finding.Outcome.IsSubstantiated())
            return v.Check(finding.Responsibility is null, $"{field}.responsibility", "must be unset when the complaint is not substantiated")
                .Check(finding.RootCauses.Count == 0, $"{field}.root_causes", "must be empty when the complaint is not substantiated");

        if (finding.Responsibility is not { } r)
            v.Add($"{field}.responsibility", "is required when the complaint is (partly) substantiated");
        else
        {
            var required = r.ResponsibilityClass.NamesUtilityUnit();
            v.Enum($"{field}.responsibility.responsibility_class", r.ResponsibilityClass)
                .Identifier($"{field}.responsibility.unit_id", r.UnitId, RequestValidator.UnitIdPattern(), "an existing unit id", required)
                .Identifier($"{field}.responsibility.department_id", r.DepartmentId, RequestValidator.UnitIdPattern(), "an existing department id", required)
                .Identifier($"{field}.responsibility.post_id", r.PostId, RequestValidator.UnitIdPattern(), "an existing post id", required)
                .Identifier($"{field}.responsibility.staff_id", r.StaffId, RequestValidator.HandlerIdPattern(), "a staff id: 2-64 of A-Z a-z 0-9 . _ -", required: false)
                .Check(r.DepartmentId.Length == 0 || r.UnitId.Length > 0, $"{field}.responsibility.unit_id", "is required when a department is named")
                .Check(r.PostId.Length == 0 || r.DepartmentId.Length > 0, $"{field}.responsibility.department_id", "is required when a post is named");
        }
        v.Check(finding.RootCauses.Count > 0, $"{field}.root_causes", "needs at least one root cause when the complaint is (partly) substantiated")
            .Check(finding.RootCauses.Count <= MaxRootCauses, $"{field}.root_causes", $"has {finding.RootCauses.Count} causes; at most {MaxRootCauses} are allowed");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < finding.RootCauses.Count && i < MaxRootCauses; i++)
        {
            var c = finding.RootCauses[i];
            v.Identifier($"{field}.root_causes[{i}].cause_code", c.CauseCode, RootCauseCodePattern(), "a root cause code: 2-64 of a-z 0-9 _")
                .Check(c.CauseCode.Length == 0 || seen.Add(c.CauseCode), $"{field}.root_causes[{i}].cause_code", "is named twice")
                .Text($"{field}.root_causes[{i}].note", c.Note, NoteMaxLength, required: true, multiline: true);
        }
        return v;
    }

    /// <summary>What closing a case lacks (empty: it may close): a case closes only with a recorded finding. A stored
    /// finding is complete (it was validated as a whole), so what can be missing is the finding itself.</summary>
    public static IReadOnlyList<FieldViolation> MissingForClose(Finding? current) => current is not null
        ? []
        :
        [
            new("finding.outcome", "no finding is recorded: record the outcome with RecordFinding before closing"),
            new("finding.basis", "no finding is recorded: record the investigation basis before closing"),
            new("finding.investigator_id", "no finding is recorded: record who investigated before closing"),
            new("finding.investigated_time", "no finding is recorded: record when it was investigated before closing"),
        ];

    /// <summary>Refuses a close without a finding (FINDING_REQUIRED, naming what is missing) or with a decision other
    /// than the finding's (FINDING_MISMATCH); returns the outcome the case closes with.</summary>
    public static Substantiation RequireForClose(Finding? current, Substantiation requested)
    {
        var missing = MissingForClose(current);
        if (missing.Count > 0)
            throw new DomainException(ErrorKind.FailedPrecondition, "FINDING_REQUIRED",
                "The case has no finding; record one (RecordFinding) before closing.", missing);
        if (requested != Substantiation.Unspecified && requested != current!.Outcome)
            throw new DomainException(ErrorKind.FailedPrecondition, "FINDING_MISMATCH",
                $"The close says {requested} but the recorded finding says {current.Outcome}; change the finding first or leave substantiation unset.",
                metadata: new Dictionary<string, string> { ["finding_outcome"] = current.Outcome.ToString(), ["requested"] = requested.ToString() });
        return current!.Outcome;
    }

    /// <summary>
    /// Whether a caller may overrule or countersign the previous signer (change a closed finding, approve or reject a
    /// closure in review): a different person, bound to a unit strictly above the unit the signer acted for (units are
    /// materialised paths '/p/c/k/s/', so "above" is a proper prefix). A caller bound to no unit acts for the whole
    /// organisation, which is above every unit.
    /// </summary>
    public static bool IsAboveSigner(string callerSubject, string? callerUnitPath, string signer, string signerUnitPath) =>
        callerSubject != signer
        && (callerUnitPath is null
            || (signerUnitPath.Length > callerUnitPath.Length && signerUnitPath.StartsWith(callerUnitPath, StringComparison.Ordinal)));

    [GeneratedRegex("^[a-z0-9_]{2,64}$")]
    public static partial Regex RootCauseCodePattern();
}
