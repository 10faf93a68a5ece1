using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Evaluation;
using ComplaintGrpc.Domain.Lifecycle;
using ComplaintGrpc.Domain.Tests.Lifecycle;

namespace ComplaintGrpc.Domain.Tests.Evaluation;

public class ReviewChainTests
{
    [Theory]
    [InlineData(Level.Normal, SubCategory.Outage, Substantiation.Substantiated, 0)]
    [InlineData(Level.Important, SubCategory.Outage, Substantiation.Substantiated, 0)]
    [InlineData(Level.Major, SubCategory.Outage, Substantiation.Unsubstantiated, 1)]
    [InlineData(Level.Special, SubCategory.Voltage, Substantiation.Substantiated, 1)]
    [InlineData(Level.Normal, SubCategory.StaffConduct, Substantiation.Substantiated, 1)]
    [InlineData(Level.Normal, SubCategory.StaffConduct, Substantiation.PartlySubstantiated, 1)]
    [InlineData(Level.Normal, SubCategory.StaffConduct, Substantiation.Unsubstantiated, 0)]
    public void By_default_major_and_special_cases_and_substantiated_staff_conduct_need_the_level_above(
        Level level, SubCategory subCategory, Substantiation outcome, int approvals) =>
        Assert.Equal(approvals, ReviewPolicy.Default.ApprovalsNeeded(level, subCategory, outcome));

    [Fact]
    public void Configured_rules_add_to_the_defaults_and_the_most_demanding_wins()
    {
        var policy = ReviewPolicy.FromOptions(new ReviewOptions { Rules = [new ReviewRule { Levels = [Level.Special], Approvals = 2 }] });
        Assert.Equal(2, policy.ApprovalsNeeded(Level.Special, SubCategory.Outage, Substantiation.Substantiated));
        Assert.Equal(1, policy.ApprovalsNeeded(Level.Major, SubCategory.Outage, Substantiation.Substantiated));
        var replaced = ReviewPolicy.FromOptions(new ReviewOptions { ReplaceDefaults = true });
        Assert.Equal(0, replaced.ApprovalsNeeded(Level.Special, SubCategory.StaffConduct, Substantiation.Substantiated));
    }

    [Fact]
    public void A_rule_outside_one_to_three_approvals_is_refused_naming_it()
    {
        var e = Assert.Throws<ArgumentException>(() => ReviewPolicy.FromOptions(new ReviewOptions { Rules = [new ReviewRule { Approvals = 4 }] }));
        Assert.Contains("Evaluation:Review:Rules:2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_approval_before_the_last_keeps_the_case_in_review_and_the_last_closes_it_with_the_outcome()
    {
        var inReview = Cases.In(CaseStatus.InReview);
        var first = ReviewSteps.Approve(inReview, 0, 2, Substantiation.PartlySubstantiated, "county", "", Cases.Now);
        var last = ReviewSteps.Approve(first.To, 1, 2, Substantiation.PartlySubstantiated, "city", "同意", Cases.Now);

        Assert.Equal(CaseStatus.InReview, first.To.Status);
        Assert.Null(first.To.ClosedAt);
        Assert.Equal((CaseStatus.Closed, Cases.Now, Substantiation.PartlySubstantiated), (last.To.Status, last.To.ClosedAt, last.To.Substantiation));
        Assert.Equal(("2", "2", "city"), (last.Details["approval"], last.Details["approvals_needed"], last.Details["approver_unit_id"]));
    }

    [Fact]
    public void Submission_starts_the_review_clock_each_level_gets_a_round_and_the_last_approval_stops_every_clock()
    {
        var limits = Domain.TimeLimits.DeadlinePolicy.Default.LimitsFor(Channel.Phone95598, RequestKind.Complaint, Level.Major, CustomerClass.Residential);
        var calendar = Domain.TimeLimits.WorkingDayCalendar.ChinaDefault();
        var zone = Domain.TimeLimits.DeadlineCalculator.DefaultZone;
        var calledBack = Cases.In(CaseStatus.CalledBack);
        IReadOnlyList<Domain.TimeLimits.CaseClock> clocks = [];

        var submit = ReviewSteps.Submit(calledBack, Substantiation.Substantiated, 2, "");
        clocks = Domain.TimeLimits.ClockPlan.Apply(clocks, submit, Cases.Now, limits, calendar, zone);
        var first = ReviewSteps.Approve(submit.To, 0, 2, Substantiation.Substantiated, "county", "", Cases.Now.AddHours(1));
        clocks = Domain.TimeLimits.ClockPlan.Apply(clocks, first, Cases.Now.AddHours(1), limits, calendar, zone);
        var round2 = clocks.Single(c => c.Kind == ClockKind.Review);
        var last = ReviewSteps.Approve(first.To, 1, 2, Substantiation.Substantiated, "city", "", Cases.Now.AddHours(2));
        clocks = Domain.TimeLimits.ClockPlan.Apply(clocks, last, Cases.Now.AddHours(2), limits, calendar, zone);

        Assert.Equal((2, Cases.Now.AddHours(1), true), (round2.Round, round2.StartedAt, round2.IsRunning));
        Assert.Equal(Cases.Now.AddHours(2), clocks.Single(c => c.Kind == ClockKind.Review).StoppedAt);
    }
}
