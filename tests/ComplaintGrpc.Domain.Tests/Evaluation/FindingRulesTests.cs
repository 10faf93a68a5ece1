using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Evaluation;
using ComplaintGrpc.Domain.Lifecycle;
using ComplaintGrpc.Domain.Tests.Lifecycle;
using Google.Protobuf.WellKnownTypes;

namespace ComplaintGrpc.Domain.Tests.Evaluation;

public class FindingRulesTests
{
    private static Finding Substantiated() => new()
    {
        Outcome = Substantiation.Substantiated,
        Basis = "现场核查属实",
        InvestigatorId = "inv-zhou",
        InvestigatedTime = Timestamp.FromDateTimeOffset(Cases.ReceivedAt.AddDays(1)),
        Responsibility = new Responsibility { ResponsibilityClass = ResponsibilityClass.Marketing, UnitId = "unit-east", DepartmentId = "dep-yx", PostId = "post-cb" },
        RootCauses = { new RootCauseFinding { CauseCode = "skills", Note = "业务不熟" } },
    };

    private static List<string> Violations(Finding? f)
    {
        var e = Record.Exception(() => new RequestValidator().Finding("finding", f, Cases.ReceivedAt, Cases.Now).ThrowIfInvalid());
        return e is DomainException d ? d.Violations.Select(v => v.Field).ToList() : [];
    }

    [Fact]
    public void A_complete_substantiated_finding_and_a_complete_unsubstantiated_one_are_valid()
    {
        Assert.Empty(Violations(Substantiated()));
        Assert.Empty(Violations(Cases.Finding));
    }

    [Fact]
    public void A_missing_finding_names_the_finding()
    {
        Assert.Equal(["finding"], Violations(null));
    }

    [Fact]
    public void A_substantiated_finding_needs_a_responsible_party_and_a_root_cause()
    {
        var f = Substantiated();
        f.Responsibility = null;
        f.RootCauses.Clear();
        Assert.Equal(["finding.responsibility", "finding.root_causes"], Violations(f));
    }

    [Fact]
    public void Marketing_and_non_marketing_responsibility_name_unit_department_and_post_customer_and_partner_need_not()
    {
        var marketing = Substantiated();
        marketing.Responsibility = new Responsibility { ResponsibilityClass = ResponsibilityClass.NonMarketing };
        var partner = Substantiated();
        partner.Responsibility = new Responsibility { ResponsibilityClass = ResponsibilityClass.Partner };
        Assert.Equal(["finding.responsibility.unit_id", "finding.responsibility.department_id", "finding.responsibility.post_id"], Violations(marketing));
        Assert.Empty(Violations(partner));
    }

    [Fact]
    public void An_unsubstantiated_finding_names_no_responsible_party_and_no_cause()
    {
        var f = Cases.Finding;
        f.Responsibility = new Responsibility { ResponsibilityClass = ResponsibilityClass.Customer };
        f.RootCauses.Add(new RootCauseFinding { CauseCode = "customer_side", Note = "x" });
        Assert.Equal(["finding.responsibility", "finding.root_causes"], Violations(f));
    }

    [Fact]
    public void Root_causes_are_named_once_each_with_a_note()
    {
        var f = Substantiated();
        f.RootCauses.Add(new RootCauseFinding { CauseCode = "skills", Note = "" });
        Assert.Equal(["finding.root_causes[1].cause_code", "finding.root_causes[1].note"], Violations(f));
    }

    [Fact]
    public void The_investigation_time_lies_between_receipt_and_now()
    {
        var early = Substantiated();
        early.InvestigatedTime = Timestamp.FromDateTimeOffset(Cases.ReceivedAt.AddMinutes(-1));
        var future = Substantiated();
        future.InvestigatedTime = Timestamp.FromDateTimeOffset(Cases.Now.AddMinutes(1));
        Assert.Equal(["finding.investigated_time"], Violations(early));
        Assert.Equal(["finding.investigated_time"], Violations(future));
    }

    [Fact]
    public void Closing_without_a_finding_is_a_failed_precondition_naming_each_missing_part()
    {
        var e = Assert.Throws<DomainException>(() => FindingRules.RequireForClose(null, Substantiation.Unspecified));
        Assert.Equal((ErrorKind.FailedPrecondition, "FINDING_REQUIRED"), (e.Kind, e.Reason));
        Assert.Equal(["finding.outcome", "finding.basis", "finding.investigator_id", "finding.investigated_time"], e.Violations.Select(v => v.Field));
    }

    [Theory]
    [InlineData(Substantiation.Unspecified, true)]
    [InlineData(Substantiation.Unsubstantiated, true)]
    [InlineData(Substantiation.Substantiated, false)]
    public void The_close_takes_the_findings_outcome_and_refuses_a_contradicting_one(Substantiation requested, bool closes)
    {
        if (closes)
            Assert.Equal(Substantiation.Unsubstantiated, FindingRules.RequireForClose(Cases.Finding, requested));
        else
            Assert.Equal("FINDING_MISMATCH", Assert.Throws<DomainException>(() => FindingRules.RequireForClose(Cases.Finding, requested)).Reason);
    }

    [Theory]
    [InlineData("sup-county", "/p/c/k/", "/p/c/k/s/", true)]   // the county above the station
    [InlineData("sup-city", "/p/c/", "/p/c/k/s/", true)]       // further up
    [InlineData("sup-other", "/p/c/k/s/", "/p/c/k/s/", false)] // the same unit
    [InlineData("sup-other", "/p/c/k2/", "/p/c/k/s/", false)]  // a sibling county
    [InlineData("sup-other", "/p/c/k/s/x/", "/p/c/k/s/", false)] // below
    [InlineData("sup-other", null, "/p/c/k/s/", true)]          // the whole organisation
    [InlineData("sup-station", null, "/p/c/k/s/", false)]       // the reviewer themself
    public void Only_another_supervisor_above_the_reviewers_unit_may_change_a_closed_finding(string caller, string? callerPath, string reviewerPath, bool may)
    {
        Assert.Equal(may, FindingRules.IsAboveSigner(caller, callerPath, "sup-station", reviewerPath));
    }

    [Fact]
    public void A_change_keeps_the_case_closed_moves_its_substantiation_and_names_both_versions()
    {
        var next = Substantiated();
        var t = FindingSteps.Change(Cases.In(CaseStatus.Closed) with { Substantiation = Substantiation.Unsubstantiated }, Cases.Finding, next, 2, "复核");
        Assert.Equal((CaseStatus.Closed, Substantiation.Substantiated, CaseAction.FindingChanged), (t.To.Status, t.To.Substantiation, t.Action));
        Assert.Equal(("2", "Substantiated", "1", "Unsubstantiated", "复核"),
            (t.Details["finding_version"], t.Details["outcome"], t.Details["previous_version"], t.Details["previous_outcome"], t.Details["reason"]));
    }
}
