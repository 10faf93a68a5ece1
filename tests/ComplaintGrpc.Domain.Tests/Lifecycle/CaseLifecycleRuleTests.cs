using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Lifecycle;

namespace ComplaintGrpc.Domain.Tests.Lifecycle;

/// <summary>What each step does to the case beyond its status, and the history details it records.</summary>
public class CaseLifecycleRuleTests
{
    private static Dictionary<string, string> Details(params (string Key, string Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value);

    [Fact]
    public void Dispatch_sets_the_unit_and_clears_the_handler()
    {
        var t = CaseLifecycle.DispatchToUnit(Cases.In(CaseStatus.Assigned), "unit-west", "wrong supply area");

        Assert.Equal(CaseStatus.Dispatched, t.To.Status);
        Assert.Equal("unit-west", t.To.UnitId);
        Assert.Null(t.To.HandlerId);
        Assert.Equal(Details(("unit_id", "unit-west"), ("note", "wrong supply area")), t.Details);
    }

    [Fact]
    public void Assigning_a_handler_records_the_previous_one()
    {
        var t = CaseLifecycle.AssignHandler(Cases.In(CaseStatus.Accepted), "h-li", "zhang is on leave");

        Assert.Equal(CaseStatus.Assigned, t.To.Status);
        Assert.Equal("h-li", t.To.HandlerId);
        Assert.Equal(Cases.Unit, t.To.UnitId);
        Assert.Equal(Details(("handler_id", "h-li"), ("previous_handler_id", Cases.Handler), ("note", "zhang is on leave")), t.Details);
    }

    [Theory]
    [InlineData(CaseStatus.Assigned)]
    [InlineData(CaseStatus.Accepted)]
    [InlineData(CaseStatus.Contacted)]
    public void Assigning_the_same_handler_again_is_a_failed_precondition(CaseStatus status)
    {
        var ex = Assert.Throws<DomainException>(() => CaseLifecycle.AssignHandler(Cases.In(status), Cases.Handler, "again"));

        Assert.Equal(ErrorKind.FailedPrecondition, ex.Kind);
        Assert.Equal("HANDLER_ALREADY_ASSIGNED", ex.Reason);
        Assert.Equal(status.ToString(), ex.Metadata["from"]);
        Assert.Equal("AssignHandler", ex.Metadata["action"]);
    }

    [Fact]
    public void Accepting_without_a_first_contact_goes_to_Accepted()
    {
        var t = CaseLifecycle.AcceptAssignment(Cases.In(CaseStatus.Assigned));

        Assert.Equal(CaseStatus.Accepted, t.To.Status);
        Assert.Equal(Details(("handler_id", Cases.Handler)), t.Details);
    }

    [Fact]
    public void Accepting_a_reassigned_case_whose_customer_was_already_contacted_goes_back_to_Contacted()
    {
        var reassigned = CaseLifecycle.AssignHandler(Cases.In(CaseStatus.Contacted), "h-li", "").To;
        Assert.Equal(CaseStatus.Assigned, reassigned.Status);
        Assert.Equal(Cases.FirstContactAt, reassigned.FirstContactAt);

        var t = CaseLifecycle.AcceptAssignment(reassigned);

        Assert.Equal(CaseStatus.Contacted, t.To.Status);
        Assert.Equal(Cases.FirstContactAt, t.To.FirstContactAt);
        Assert.Equal(Details(("handler_id", "h-li")), t.Details);
    }

    [Theory]
    [InlineData(CaseStatus.Assigned)]
    [InlineData(CaseStatus.Accepted)]
    public void Returning_clears_the_handler_and_records_who_returned_it_and_why(CaseStatus status)
    {
        var t = CaseLifecycle.ReturnAssignment(Cases.In(status), "地址不在本所辖区");

        Assert.Equal(CaseStatus.Dispatched, t.To.Status);
        Assert.Null(t.To.HandlerId);
        Assert.Equal(Cases.Unit, t.To.UnitId);
        Assert.Equal(Details(("returned_by", Cases.Handler), ("reason", "地址不在本所辖区")), t.Details);
    }

    [Fact]
    public void First_contact_records_the_contact_time()
    {
        var contactAt = new DateTimeOffset(2026, 3, 2, 10, 15, 30, 123, TimeSpan.FromHours(8));

        var t = CaseLifecycle.RecordFirstContact(Cases.In(CaseStatus.Accepted), contactAt, Cases.Now, "phoned the customer");

        Assert.Equal(CaseStatus.Contacted, t.To.Status);
        Assert.Equal(contactAt, t.To.FirstContactAt);
        Assert.Equal(Details(("contact_time", "2026-03-02T10:15:30.1230000+08:00"), ("note", "phoned the customer")), t.Details);
    }

    [Fact]
    public void First_contact_may_be_exactly_now_or_exactly_when_the_complaint_was_received()
    {
        var accepted = Cases.In(CaseStatus.Accepted);

        Assert.Equal(Cases.Now, CaseLifecycle.RecordFirstContact(accepted, Cases.Now, Cases.Now, "").To.FirstContactAt);
        Assert.Equal(Cases.ReceivedAt, CaseLifecycle.RecordFirstContact(accepted, Cases.ReceivedAt, Cases.Now, "").To.FirstContactAt);
    }

    public static TheoryData<TimeSpan, string> BadContactTimes() => new()
    {
        { TimeSpan.FromTicks(1), "is in the future" },          // relative to now
        { TimeSpan.FromHours(1), "is in the future" },
        { TimeSpan.FromTicks(-1), "is before the complaint was received" }, // relative to ReceivedAt
        { TimeSpan.FromDays(-1), "is before the complaint was received" },
    };

    [Theory]
    [MemberData(nameof(BadContactTimes))]
    public void A_contact_time_in_the_future_or_before_the_complaint_is_an_invalid_contact_time(TimeSpan offset, string description)
    {
        var contactAt = offset > TimeSpan.Zero ? Cases.Now + offset : Cases.ReceivedAt + offset;

        var ex = Assert.Throws<DomainException>(() =>
            CaseLifecycle.RecordFirstContact(Cases.In(CaseStatus.Accepted), contactAt, Cases.Now, ""));

        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        var violation = Assert.Single(ex.Violations);
        Assert.Equal("contact_time", violation.Field);
        Assert.Equal(description, violation.Description);
    }

    [Fact]
    public void Reply_records_the_reply_time()
    {
        var t = CaseLifecycle.ReplyToCustomer(Cases.In(CaseStatus.Contacted), "已更换台区变压器", Cases.Now);

        Assert.Equal(CaseStatus.Replied, t.To.Status);
        Assert.Equal(Cases.Now, t.To.ReplyAt);
        Assert.Equal(Details(("reply_text", "已更换台区变压器")), t.Details);
    }

    [Fact]
    public void A_satisfied_callback_keeps_the_reply_and_records_the_score()
    {
        var t = CaseLifecycle.RecordCallback(Cases.In(CaseStatus.Replied), satisfied: true, score: 4, "满意");

        Assert.Equal(CaseStatus.CalledBack, t.To.Status);
        Assert.Equal(4, t.To.CallbackScore);
        Assert.Equal(Cases.ReplyAt, t.To.ReplyAt);
        Assert.Equal(0, t.To.ReopenCount);
        Assert.Equal(Details(("score", "4"), ("note", "满意")), t.Details);
    }

    [Fact]
    public void A_dissatisfied_callback_reopens_the_case_for_another_reply()
    {
        var replied = Cases.In(CaseStatus.Replied) with { ReopenCount = 1 };

        var t = CaseLifecycle.RecordCallback(replied, satisfied: false, score: 2, "still low voltage in the evening");

        Assert.Equal(CaseStatus.Contacted, t.To.Status);
        Assert.Equal(2, t.To.ReopenCount);
        Assert.Null(t.To.ReplyAt);
        Assert.Equal(2, t.To.CallbackScore);
        Assert.Equal(Cases.FirstContactAt, t.To.FirstContactAt);
        Assert.Equal(Cases.Handler, t.To.HandlerId);
        Assert.Equal(CaseAction.CallbackDissatisfied, t.Action);
        Assert.Equal(Details(("score", "2"), ("note", "still low voltage in the evening")), t.Details);
    }

    [Theory]
    [InlineData(CaseStatus.Dispatched)]
    [InlineData(CaseStatus.Assigned)]
    [InlineData(CaseStatus.Accepted)]
    [InlineData(CaseStatus.Contacted)]
    [InlineData(CaseStatus.Replied)]
    public void Resume_returns_the_case_to_the_status_it_was_suspended_from(CaseStatus status)
    {
        var before = Cases.In(status);

        var suspended = CaseLifecycle.Suspend(before, "customer in hospital");
        var resumed = CaseLifecycle.Resume(suspended.To, "customer reachable again");

        Assert.Equal(CaseStatus.Suspended, suspended.To.Status);
        Assert.Equal(status, suspended.To.SuspendedFrom);
        Assert.Equal(Details(("reason", "customer in hospital")), suspended.Details);
        Assert.Equal(before, resumed.To); // everything else is as it was, and SuspendedFrom is cleared
        Assert.Equal(Details(("note", "customer reachable again")), resumed.Details);
    }

    [Theory]
    [InlineData(Substantiation.Substantiated)]
    [InlineData(Substantiation.Unsubstantiated)]
    public void Close_records_the_close_time_and_the_substantiation_decision(Substantiation decision)
    {
        var calledBack = Cases.In(CaseStatus.CalledBack);

        var t = CaseLifecycle.Close(calledBack, decision, "核实属实性", Cases.Now);

        Assert.Equal(CaseStatus.Closed, t.To.Status);
        Assert.Equal(Cases.Now, t.To.ClosedAt);
        Assert.Equal(decision, t.To.Substantiation);
        Assert.False(t.To.IsOpen);
        Assert.True(calledBack.IsOpen);
        Assert.Equal(Details(("substantiation", decision.ToString()), ("review_note", "核实属实性")), t.Details);
    }

    [Fact]
    public void Reopen_clears_the_close_and_reply_times_and_counts_the_reopening()
    {
        var closed = Cases.In(CaseStatus.Closed);
        Assert.NotNull(closed.ClosedAt);
        Assert.NotNull(closed.ReplyAt);

        var t = CaseLifecycle.Reopen(closed, "同一台区再次频繁停电");

        Assert.Equal(CaseStatus.Contacted, t.To.Status);
        Assert.Null(t.To.ClosedAt);
        Assert.Null(t.To.ReplyAt);
        Assert.Equal(closed.ReopenCount + 1, t.To.ReopenCount);
        Assert.True(t.To.IsOpen);
        Assert.Equal(Details(("reason", "同一台区再次频繁停电")), t.Details);
    }

    [Theory]
    [InlineData(CaseStatus.Received)]
    [InlineData(CaseStatus.Suspended)]
    [InlineData(CaseStatus.CalledBack)]
    public void Regrading_changes_the_grade_and_nothing_else(CaseStatus status)
    {
        var before = Cases.In(status);

        var t = CaseLifecycle.Regrade(before, Level.Important, CustomerClass.Important, "重要客户");

        Assert.Equal(before with { Level = Level.Important, CustomerClass = CustomerClass.Important }, t.To);
        Assert.Equal(Details(("level", "Important"), ("previous_level", "Normal"), ("customer_class", "Important"),
            ("previous_customer_class", "Residential"), ("reason", "重要客户")), t.Details);
    }

    [Fact]
    public void Regrading_with_an_unspecified_part_keeps_that_part()
    {
        var t = CaseLifecycle.Regrade(Cases.In(CaseStatus.Contacted), Level.Unspecified, CustomerClass.NonResidential, "商户");

        Assert.Equal(Level.Normal, t.To.Level);
        Assert.Equal(CustomerClass.NonResidential, t.To.CustomerClass);
    }

    [Theory]
    [InlineData(Level.Normal, CustomerClass.Residential)]
    [InlineData(Level.Unspecified, CustomerClass.Unspecified)]
    [InlineData(Level.Normal, CustomerClass.Unspecified)]
    public void Regrading_to_the_grade_the_case_already_has_is_a_failed_precondition(Level level, CustomerClass customerClass)
    {
        var ex = Assert.Throws<DomainException>(() => CaseLifecycle.Regrade(Cases.In(CaseStatus.Contacted), level, customerClass, "again"));

        Assert.Equal(ErrorKind.FailedPrecondition, ex.Kind);
        Assert.Equal("GRADE_UNCHANGED", ex.Reason);
    }

    public static TheoryData<string> StepsWithEmptyOptionalValues() =>
        ["dispatch without note", "first assignment without note", "resume without note", "close without review note", "accept without handler"];

    [Theory]
    [MemberData(nameof(StepsWithEmptyOptionalValues))]
    public void Details_leave_out_empty_values(string step)
    {
        var (transition, expected) = step switch
        {
            "dispatch without note" => (CaseLifecycle.DispatchToUnit(Cases.In(CaseStatus.Received), "unit-west", ""),
                Details(("unit_id", "unit-west"))),
            // A case that was never assigned has no previous handler to record.
            "first assignment without note" => (CaseLifecycle.AssignHandler(Cases.In(CaseStatus.Dispatched), "h-li", ""),
                Details(("handler_id", "h-li"))),
            "resume without note" => (CaseLifecycle.Resume(Cases.In(CaseStatus.Suspended), ""), Details()),
            "close without review note" => (CaseLifecycle.Close(Cases.In(CaseStatus.CalledBack), Substantiation.Unsubstantiated, "", Cases.Now),
                Details(("substantiation", "Unsubstantiated"))),
            "accept without handler" => (CaseLifecycle.AcceptAssignment(Cases.In(CaseStatus.Assigned) with { HandlerId = null }), Details()),
            _ => throw new ArgumentOutOfRangeException(nameof(step), step, null),
        };

        Assert.Equal(expected, transition.Details);
    }
}
