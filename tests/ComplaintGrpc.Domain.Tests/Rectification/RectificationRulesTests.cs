using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Rectification;
using ComplaintGrpc.Domain.TimeLimits;

namespace ComplaintGrpc.Domain.Tests.Rectification;

public class RectificationRulesTests
{
    private static readonly TimeZoneInfo Beijing = DeadlineCalculator.DefaultZone;

    [Theory]
    [InlineData(4, 2, 50, true, -50.0)]   // down by half exactly
    [InlineData(4, 3, 50, false, -25.0)]
    [InlineData(10, 2, 80, true, -80.0)]
    [InlineData(10, 3, 80, false, -70.0)]
    [InlineData(3, 1, 50, true, -100.0 * 2 / 3)]
    [InlineData(5, 7, 10, false, 40.0)]   // complaints rose
    [InlineData(0, 0, 50, true, 0.0)]     // nothing before, nothing after
    [InlineData(0, 1, 50, false, 0.0)]    // nothing before, something after
    [InlineData(6, 0, 100, true, -100.0)]
    public void The_target_is_met_when_the_count_fell_by_at_least_the_target_share(int before, int after, int target, bool met, double change)
    {
        var outcome = RectificationEvaluation.Judge(before, after, target, customerCount: 0);
        Assert.Equal((met, before, after), (outcome.Met, outcome.BeforeCount, outcome.AfterCount));
        Assert.Equal(change, outcome.ChangePercent, 9);
        Assert.Equal((0.0, 0.0), (outcome.BeforePer10K, outcome.AfterPer10K));
    }

    [Fact]
    public void Rates_are_per_ten_thousand_customers_of_the_scope_unit()
    {
        var outcome = RectificationEvaluation.Judge(12, 3, 50, customerCount: 40_000);
        Assert.Equal((3.0, 0.75, 40_000L), (outcome.BeforePer10K, outcome.AfterPer10K, outcome.CustomerCount));
    }

    [Fact]
    public void The_periods_are_equal_and_end_at_opening_and_start_at_completion()
    {
        var opened = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.FromHours(8));
        var completed = opened.AddDays(40);
        Assert.Equal(new EvaluationWindows(opened.AddDays(-90), opened, completed, completed.AddDays(90)), EvaluationWindows.For(opened, completed, 90));
    }

    [Fact]
    public void A_due_date_is_due_at_local_midnight_after_it_and_must_lie_after_today()
    {
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.FromHours(8)), Rectifications.DueAt(new DateOnly(2026, 11, 30), Beijing));
        // 23:30 UTC on the 29th is already the 30th in Beijing.
        var now = new DateTimeOffset(2026, 11, 29, 23, 30, 0, TimeSpan.Zero);
        Assert.NotNull(Rectifications.DueDateProblem(new DateOnly(2026, 11, 30), now, Beijing));
        Assert.Null(Rectifications.DueDateProblem(new DateOnly(2026, 12, 1), now, Beijing));
        Assert.NotNull(Rectifications.DueDateProblem(new DateOnly(2027, 12, 31), now, Beijing));
    }

    [Theory]
    [InlineData(RectificationStatus.Open, RectificationStep.Update, true)]
    [InlineData(RectificationStatus.Open, RectificationStep.Complete, true)]
    [InlineData(RectificationStatus.Open, RectificationStep.Cancel, true)]
    [InlineData(RectificationStatus.Completed, RectificationStep.Update, false)]
    [InlineData(RectificationStatus.Completed, RectificationStep.Complete, false)]
    [InlineData(RectificationStatus.Completed, RectificationStep.Cancel, true)]
    [InlineData(RectificationStatus.Met, RectificationStep.Cancel, false)]
    [InlineData(RectificationStatus.NotMet, RectificationStep.Update, false)]
    [InlineData(RectificationStatus.Cancelled, RectificationStep.Cancel, false)]
    public void Each_step_is_allowed_only_in_its_statuses(RectificationStatus status, RectificationStep step, bool allowed)
    {
        var refused = Record.Exception(() => Rectifications.Require(status, step));
        Assert.Equal(allowed, refused is null);
        if (refused is DomainException e)
            Assert.Equal((ErrorKind.FailedPrecondition, "RECTIFICATION_NOT_OPEN"), (e.Kind, e.Reason));
    }

    [Fact]
    public void The_clock_follows_the_shared_milestones_and_stops_at_completion()
    {
        var opened = new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.FromHours(8));
        var due = Rectifications.DueAt(new DateOnly(2026, 11, 11), Beijing);
        var options = new MilestoneOptions();
        var clock = Rectifications.Clock(1, opened, due, stoppedAt: null);
        Assert.Equal(["reminder-50", "reminder-80", "last-call", "breach", "escalation-2", "escalation-3"], Milestones.Of(clock, options).Select(m => m.Name));
        Assert.Equal(opened + (due - opened) / 2, Milestones.NextActionAt(clock, EnforcementRecord.None, opened, options));

        var completedLate = Rectifications.Clock(1, opened, due, stoppedAt: due.AddHours(3));
        Assert.Equal(["breach"], Milestones.Pending(completedLate, EnforcementRecord.None, due.AddHours(5), options).Select(m => m.Name));
        Assert.True(Rectifications.IsOverdue(due, due.AddHours(3), null, due.AddDays(9)));
        Assert.False(Rectifications.IsOverdue(due, due.AddHours(-3), null, due.AddDays(9)));
        Assert.False(Rectifications.IsOverdue(due, null, due.AddHours(-1), due.AddDays(9)));
    }
}
