using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Intake;
using ComplaintGrpc.Domain.Lifecycle;
using ComplaintGrpc.Domain.TimeLimits;

namespace ComplaintGrpc.Domain.Tests.Lifecycle;

/// <summary>抱怨/意见建议 → 投诉: which kinds convert, what the step records, and where the complaint's clocks count from.</summary>
public sealed class ConversionTests
{
    private static readonly WorkingDayCalendar China = WorkingDayCalendar.ChinaDefault();
    private static readonly TimeZoneInfo Beijing = DeadlineCalculator.DefaultZone;

    // Received Mon 2026-03-02 09:00 Beijing; converted Wed 2026-03-04 15:00.
    private static readonly DateTimeOffset ConvertedAt = Cases.ReceivedAt.AddDays(2).AddHours(6);

    private static ClockLimits Limits(RequestKind kind, Channel channel = Channel.Phone95598, Level level = Level.Normal) =>
        DeadlinePolicy.Default.LimitsFor(channel, kind, level, CustomerClass.Residential);

    [Theory]
    [InlineData(RequestKind.Grumble, true)]
    [InlineData(RequestKind.Opinion, true)]
    [InlineData(RequestKind.Enquiry, false)]
    [InlineData(RequestKind.Complaint, false)]
    [InlineData(RequestKind.Report, false)]
    [InlineData(RequestKind.Unspecified, false)]
    public void Only_a_grumble_or_an_opinion_is_convertible(RequestKind kind, bool convertible) =>
        Assert.Equal(convertible, Conversion.IsConvertible(kind));

    [Theory]
    [InlineData(RequestKind.Grumble)]
    [InlineData(RequestKind.Opinion)]
    public void Converting_makes_a_complaint_keeps_the_status_and_records_what_it_was(RequestKind kind)
    {
        var before = Cases.In(CaseStatus.Accepted) with { RequestKind = kind };

        var t = CaseLifecycle.ConvertToComplaint(before, "客户坚持投诉", ConversionClocksFrom.Conversion, ConvertedAt);

        Assert.Equal(before with { RequestKind = RequestKind.Complaint, OriginalRequestKind = kind, ConvertedAt = ConvertedAt }, t.To);
        Assert.Equal(CaseAction.ConvertedToComplaint, t.Action);
        Assert.Equal(new Dictionary<string, string>
        {
            ["from_kind"] = kind.ToString(), ["to_kind"] = "Complaint", ["reason"] = "客户坚持投诉", ["clocks_from"] = "Conversion",
        }, t.Details);
    }

    [Theory]
    [InlineData(ConversionClocksFrom.Receipt)]
    [InlineData(ConversionClocksFrom.Conversion)]
    public void The_step_carries_the_clocks_from_setting_for_the_clock_plan(ConversionClocksFrom from) =>
        Assert.Equal(from, CaseLifecycle.ConvertToComplaint(Cases.In(CaseStatus.Received), "升级", from, ConvertedAt).ClocksFrom);

    [Fact]
    public void From_the_receipt_a_clock_keeps_its_pauses_so_a_suspension_before_the_conversion_still_counts()
    {
        var complaint = Limits(RequestKind.Complaint);
        var dispatched = CaseLifecycle.DispatchToUnit(Cases.In(CaseStatus.Received), Cases.Unit, "");
        var clocks = ClockPlan.Apply([], new Transition(dispatched.From, dispatched.From, CaseAction.Submitted, new Dictionary<string, string>()),
            Cases.ReceivedAt, Limits(RequestKind.Grumble), China, Beijing);
        // Suspended Mon 10:00, resumed Fri 10:00 (the reply clock had 2 working days left after Monday).
        var suspended = CaseLifecycle.Suspend(dispatched.To, "客户出差");
        clocks = ClockPlan.Apply(clocks, suspended, Cases.ReceivedAt.AddHours(1), Limits(RequestKind.Grumble), China, Beijing);
        var resumed = CaseLifecycle.Resume(suspended.To, "");
        clocks = ClockPlan.Apply(clocks, resumed, Cases.ReceivedAt.AddDays(4).AddHours(1), Limits(RequestKind.Grumble), China, Beijing);

        var converted = CaseLifecycle.ConvertToComplaint(resumed.To, "升级", ConversionClocksFrom.Receipt, Cases.ReceivedAt.AddDays(4).AddHours(2));
        var reply = ClockPlan.Apply(clocks, converted, Cases.ReceivedAt.AddDays(4).AddHours(2), complaint, China, Beijing).Single(c => c.Kind == ClockKind.Reply);

        var replayed = clocks.Single(c => c.Kind == ClockKind.Reply).WithLimit(TimeLimit.WorkingDays(4), China, Beijing);
        Assert.Equal((2, Cases.ReceivedAt, replayed.Deadline), (reply.Round, reply.StartedAt, reply.Deadline));
        Assert.Equal(replayed.Pauses, reply.Pauses);
        Assert.Single(reply.Pauses);
        Assert.True(reply.Deadline.DueAt > DeadlineCalculator.Due(Cases.ReceivedAt, TimeLimit.WorkingDays(4), China, Beijing).DueAt);
    }

    [Theory]
    [InlineData(RequestKind.Enquiry)]
    [InlineData(RequestKind.Complaint)]
    [InlineData(RequestKind.Report)]
    public void Converting_any_other_kind_is_a_failed_precondition_naming_the_kind(RequestKind kind)
    {
        var ex = Assert.Throws<DomainException>(() =>
            CaseLifecycle.ConvertToComplaint(Cases.In(CaseStatus.Contacted) with { RequestKind = kind }, "升级", ConversionClocksFrom.Receipt, ConvertedAt));

        Assert.Equal(ErrorKind.FailedPrecondition, ex.Kind);
        Assert.Equal("NOT_CONVERTIBLE", ex.Reason);
        Assert.Equal(kind.ToString(), ex.Metadata["request_kind"]);
    }

    [Fact]
    public void The_new_kinds_have_their_own_reply_limits_and_win_ties_with_channel_and_level_rules()
    {
        Assert.Equal(TimeLimit.WorkingDays(1), Limits(RequestKind.Enquiry).Reply);
        Assert.Equal(TimeLimit.CalendarDays(10), Limits(RequestKind.Opinion).Reply);
        Assert.Equal(TimeLimit.WorkingDays(2), Limits(RequestKind.Grumble).Reply);
        Assert.Equal(TimeLimit.WorkingDays(1), Limits(RequestKind.Enquiry, Channel.Regulator12398).Reply);
        Assert.Equal(TimeLimit.WorkingDays(2), Limits(RequestKind.Grumble, level: Level.Major).Reply);
        // The other clocks are the defaults every case gets.
        Assert.Equal(Limits(RequestKind.Complaint).FirstContact, Limits(RequestKind.Grumble).FirstContact);
    }

    [Theory]
    [InlineData(ConversionClocksFrom.Receipt)]
    [InlineData(ConversionClocksFrom.Conversion)]
    public void Conversion_restarts_the_running_receipt_clocks_under_the_complaint_limits_and_keeps_met_ones(ConversionClocksFrom from)
    {
        var grumble = Limits(RequestKind.Grumble);
        var complaint = Limits(RequestKind.Complaint);
        var received = Cases.In(CaseStatus.Received);
        var clocks = ClockPlan.Apply([], new Transition(received, received, CaseAction.Submitted, new Dictionary<string, string>()),
            Cases.ReceivedAt, grumble, China, Beijing);
        var dispatched = CaseLifecycle.DispatchToUnit(received, Cases.Unit, "");
        clocks = ClockPlan.Apply(clocks, dispatched, Cases.ReceivedAt.AddHours(1), grumble, China, Beijing);
        Assert.Equal(TimeLimit.WorkingDays(2), clocks.Single(c => c.Kind == ClockKind.Reply).Limit);

        var converted = CaseLifecycle.ConvertToComplaint(dispatched.To, "客户坚持投诉", from, ConvertedAt);
        var after = ClockPlan.Apply(clocks, converted, ConvertedAt, complaint, China, Beijing);

        var start = from == ConversionClocksFrom.Receipt ? Cases.ReceivedAt : ConvertedAt;
        var reply = after.Single(c => c.Kind == ClockKind.Reply);
        Assert.Equal((2, start, TimeLimit.WorkingDays(4), (DateTimeOffset?)null), (reply.Round, reply.StartedAt, reply.Limit, reply.StoppedAt));
        Assert.Equal(DeadlineCalculator.Due(start, TimeLimit.WorkingDays(4), China, Beijing).DueAt, reply.Deadline.DueAt);
        var firstContact = after.Single(c => c.Kind == ClockKind.FirstContact);
        Assert.Equal((2, start, TimeLimit.ClockHours(24)), (firstContact.Round, firstContact.StartedAt, firstContact.Limit));
        // Dispatch was met under the grumble: it stays as it was.
        Assert.Equal(clocks.Single(c => c.Kind == ClockKind.Dispatch), after.Single(c => c.Kind == ClockKind.Dispatch));
    }

    [Fact]
    public void An_unknown_clocks_from_setting_is_a_start_up_problem_naming_it()
    {
        var options = new IntakeOptions { Conversion = { ClocksFrom = (ConversionClocksFrom)7 } };

        Assert.Contains("Intake:Conversion:ClocksFrom: must be Receipt or Conversion", options.Problems());
        Assert.Empty(new IntakeOptions().Problems());
    }
}
