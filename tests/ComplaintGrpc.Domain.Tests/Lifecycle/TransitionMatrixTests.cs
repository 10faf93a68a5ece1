using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Lifecycle;

namespace ComplaintGrpc.Domain.Tests.Lifecycle;

/// <summary>
/// Every lifecycle step against every status. The expected table is typed here from the contract (the diagram on
/// <c>enum CaseStatus</c> in types.proto and the rpc comments in complaint_service.proto), not read from
/// <see cref="CaseLifecycle.AllowedFrom"/>, so a change to the rules in code fails here until the contract agrees.
/// </summary>
public class TransitionMatrixTests
{
    /// <summary>One step as a caller makes it: the rpc name that appears in error metadata, the call, and what the
    /// contract says happens. <paramref name="To"/> null: the step keeps the case in the status it was in.</summary>
    private sealed record Step(string Rpc, Func<CaseState, Transition> Run, CaseStatus[] AllowedFrom, CaseStatus? To, CaseAction HistoryAction);

    // A new lifecycle rpc needs its row here: AllowedFrom_publishes_the_same_rules_as_the_contract fails until it has one.
    private static readonly Dictionary<string, Step> Steps = new()
    {
        // RECEIVED --DispatchToUnit--> DISPATCHED. The diagram shows only RECEIVED; the rpc comment adds re-dispatch
        // from DISPATCHED and ASSIGNED ("RECEIVED, DISPATCHED or ASSIGNED -> DISPATCHED").
        ["DispatchToUnit"] = new("DispatchToUnit", s => CaseLifecycle.DispatchToUnit(s, "unit-west", ""),
            [CaseStatus.Received, CaseStatus.Dispatched, CaseStatus.Assigned], CaseStatus.Dispatched, CaseAction.DispatchedToUnit),
        // DISPATCHED --AssignHandler--> ASSIGNED (also ASSIGNED/ACCEPTED/CONTACTED: reassign)
        ["AssignHandler"] = new("AssignHandler", s => CaseLifecycle.AssignHandler(s, "h-li", ""),
            [CaseStatus.Dispatched, CaseStatus.Assigned, CaseStatus.Accepted, CaseStatus.Contacted], CaseStatus.Assigned, CaseAction.HandlerAssigned),
        // ASSIGNED --AcceptAssignment--> ACCEPTED (no first contact yet in the sample ASSIGNED case)
        ["AcceptAssignment"] = new("AcceptAssignment", CaseLifecycle.AcceptAssignment,
            [CaseStatus.Assigned], CaseStatus.Accepted, CaseAction.AssignmentAccepted),
        // ASSIGNED/ACCEPTED --ReturnAssignment--> DISPATCHED
        ["ReturnAssignment"] = new("ReturnAssignment", s => CaseLifecycle.ReturnAssignment(s, "not in my area"),
            [CaseStatus.Assigned, CaseStatus.Accepted], CaseStatus.Dispatched, CaseAction.AssignmentReturned),
        // ACCEPTED --RecordFirstContact--> CONTACTED
        ["RecordFirstContact"] = new("RecordFirstContact", s => CaseLifecycle.RecordFirstContact(s, Cases.ReceivedAt.AddHours(3), Cases.Now, ""),
            [CaseStatus.Accepted], CaseStatus.Contacted, CaseAction.FirstContactRecorded),
        // CONTACTED --ReplyToCustomer--> REPLIED
        ["ReplyToCustomer"] = new("ReplyToCustomer", s => CaseLifecycle.ReplyToCustomer(s, "线路已检修", Cases.Now),
            [CaseStatus.Contacted], CaseStatus.Replied, CaseAction.RepliedToCustomer),
        // REPLIED --RecordCallback(satisfied)--> CALLED_BACK
        ["RecordCallback(satisfied)"] = new("RecordCallback", s => CaseLifecycle.RecordCallback(s, true, 5, ""),
            [CaseStatus.Replied], CaseStatus.CalledBack, CaseAction.CallbackSatisfied),
        // REPLIED --RecordCallback(dissatisfied)--> CONTACTED
        ["RecordCallback(dissatisfied)"] = new("RecordCallback", s => CaseLifecycle.RecordCallback(s, false, 1, ""),
            [CaseStatus.Replied], CaseStatus.Contacted, CaseAction.CallbackDissatisfied),
        // DISPATCHED..REPLIED --SuspendComplaint--> SUSPENDED
        ["SuspendComplaint"] = new("SuspendComplaint", s => CaseLifecycle.Suspend(s, "customer abroad until May"),
            [CaseStatus.Dispatched, CaseStatus.Assigned, CaseStatus.Accepted, CaseStatus.Contacted, CaseStatus.Replied],
            CaseStatus.Suspended, CaseAction.Suspended),
        // SUSPENDED --ResumeComplaint--> the status it was suspended from
        ["ResumeComplaint"] = new("ResumeComplaint", s => CaseLifecycle.Resume(s, ""),
            [CaseStatus.Suspended], Cases.SuspendedFromStatus, CaseAction.Resumed),
        // CALLED_BACK --CloseComplaint--> CLOSED
        ["CloseComplaint"] = new("CloseComplaint", s => CaseLifecycle.Close(s, Substantiation.Substantiated, "", Cases.Now),
            [CaseStatus.CalledBack], CaseStatus.Closed, CaseAction.Closed),
        // CLOSED --ReopenComplaint--> CONTACTED
        ["ReopenComplaint"] = new("ReopenComplaint", s => CaseLifecycle.Reopen(s, "the outage came back"),
            [CaseStatus.Closed], CaseStatus.Contacted, CaseAction.Reopened),
        // "Changes the level and/or customer class of an open case": any status but CLOSED, and the status stays.
        ["RegradeComplaint"] = new("RegradeComplaint", s => CaseLifecycle.Regrade(s, Level.Major, CustomerClass.Unspecified, "媒体关注"),
            [CaseStatus.Received, CaseStatus.Dispatched, CaseStatus.Assigned, CaseStatus.Accepted, CaseStatus.Contacted,
                CaseStatus.Replied, CaseStatus.CalledBack, CaseStatus.Suspended],
            null, CaseAction.Regraded),
        // "RecordFinding ... while it is CONTACTED, REPLIED or CALLED_BACK; the status does not change."
        ["RecordFinding"] = new("RecordFinding", s => Domain.Evaluation.FindingSteps.Record(s, Cases.Finding, 1),
            [CaseStatus.Contacted, CaseStatus.Replied, CaseStatus.CalledBack], null, CaseAction.FindingRecorded),
        // "Changes the finding of a CLOSED case": it stays closed.
        ["ChangeFinding"] = new("ChangeFinding", s => Domain.Evaluation.FindingSteps.Change(s, Cases.Finding, Cases.Finding, 2, "复核"),
            [CaseStatus.Closed], null, CaseAction.FindingChanged),
        // CALLED_BACK --CloseComplaint--> IN_REVIEW when the review chain covers the case
        ["CloseComplaint(review)"] = new("CloseComplaint", s => Domain.Evaluation.ReviewSteps.Submit(s, Substantiation.Substantiated, 1, ""),
            [CaseStatus.CalledBack], CaseStatus.InReview, CaseAction.ClosureSubmitted),
        // IN_REVIEW --ApproveClosure--> CLOSED (the last approval needed)
        ["ApproveClosure"] = new("ApproveClosure", s => Domain.Evaluation.ReviewSteps.Approve(s, 0, 1, Substantiation.Substantiated, "unit-county", "", Cases.Now),
            [CaseStatus.InReview], CaseStatus.Closed, CaseAction.ClosureApproved),
        // IN_REVIEW --RejectClosure--> CALLED_BACK
        ["RejectClosure"] = new("RejectClosure", s => Domain.Evaluation.ReviewSteps.Reject(s, "unit-county", "证据不足"),
            [CaseStatus.InReview], CaseStatus.CalledBack, CaseAction.ClosureRejected),
        // CLOSED --RecordQualityVerdict(confirm)--> CLOSED
        ["RecordQualityVerdict(confirm)"] = new("RecordQualityVerdict", s => Domain.Evaluation.QualitySteps.Confirm(s, 1, "sup-station", "记录一致"),
            [CaseStatus.Closed], null, CaseAction.QualityConfirmed),
        // CLOSED --RecordQualityVerdict(overturn)--> CONTACTED
        ["RecordQualityVerdict(overturn)"] = new("RecordQualityVerdict", s => Domain.Evaluation.QualitySteps.Overturn(s, 1, "sup-station", "unit-east", "认定不实"),
            [CaseStatus.Closed], CaseStatus.Contacted, CaseAction.QualityOverturned),
        // RECEIVED..CONTACTED (a GRUMBLE or OPINION) --ConvertToComplaint--> the same status, request_kind COMPLAINT
        ["ConvertToComplaint"] = new("ConvertToComplaint", s => CaseLifecycle.ConvertToComplaint(s, "客户要求按投诉处理", Domain.Intake.ConversionClocksFrom.Receipt, Cases.Now),
            [CaseStatus.Received, CaseStatus.Dispatched, CaseStatus.Assigned, CaseStatus.Accepted, CaseStatus.Contacted], null, CaseAction.ConvertedToComplaint),
    };

    public static TheoryData<string, CaseStatus> AllowedPairs() => Pairs(allowed: true);

    public static TheoryData<string, CaseStatus> IllegalPairs() => Pairs(allowed: false);

    private static TheoryData<string, CaseStatus> Pairs(bool allowed)
    {
        var data = new TheoryData<string, CaseStatus>();
        foreach (var (name, step) in Steps)
        {
            foreach (var status in Enum.GetValues<CaseStatus>().Where(s => step.AllowedFrom.Contains(s) == allowed))
            {
                data.Add(name, status);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllowedPairs))]
    public void An_allowed_step_moves_the_case_to_the_next_status(string step, CaseStatus from)
    {
        var expected = Steps[step];
        var state = Cases.In(from);

        var transition = expected.Run(state);

        Assert.Equal(expected.To ?? from, transition.To.Status);
        Assert.Equal(expected.HistoryAction, transition.Action);
        Assert.Same(state, transition.From);
        Assert.Equal(from, state.Status); // the input is left as it was
    }

    [Theory]
    [MemberData(nameof(IllegalPairs))]
    public void An_illegal_step_is_a_failed_precondition_naming_the_status_and_the_action(string step, CaseStatus from)
    {
        var expected = Steps[step];

        var ex = Assert.Throws<DomainException>(() => expected.Run(Cases.In(from)));

        Assert.Equal(ErrorKind.FailedPrecondition, ex.Kind);
        Assert.Equal("ILLEGAL_TRANSITION", ex.Reason);
        Assert.Equal(new Dictionary<string, string> { ["from"] = from.ToString(), ["action"] = expected.Rpc }, ex.Metadata);
        Assert.Empty(ex.Violations);
        Assert.Contains(expected.Rpc, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AllowedFrom_publishes_the_same_rules_as_the_contract()
    {
        var expected = Steps.Values.ToDictionary(s => s.HistoryAction, s => s.AllowedFrom.Order().ToArray());

        var actual = CaseLifecycle.AllowedFrom.ToDictionary(kv => kv.Key, kv => kv.Value.Order().ToArray());

        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (action, statuses) in expected)
        {
            Assert.True(statuses.SequenceEqual(actual[action]),
                $"{action}: contract allows [{string.Join(", ", statuses)}], code allows [{string.Join(", ", actual[action])}]");
            Assert.Equal(Steps.Values.Single(s => s.HistoryAction == action).Rpc, action.Rpc());
        }
    }

    [Fact]
    public void Every_action_is_a_lifecycle_step_or_named_as_one_that_is_not()
    {
        CaseAction[] notSteps = [CaseAction.Submitted, CaseAction.ClockBreached, CaseAction.Escalated, CaseAction.Chased, CaseAction.WarningRaised];
        var steps = Steps.Values.Select(s => s.HistoryAction).ToHashSet();

        foreach (var action in Enum.GetValues<CaseAction>().Where(a => a != CaseAction.Unspecified))
            Assert.True(steps.Contains(action) ^ notSteps.Contains(action), $"{action} is neither a lifecycle step in this table nor listed as not one");
        Assert.Equal("SubmitComplaint", CaseAction.Submitted.Rpc());
        Assert.Equal("", CaseAction.ClockBreached.Rpc());
    }
}
