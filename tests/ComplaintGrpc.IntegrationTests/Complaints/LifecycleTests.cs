using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Dapper;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Complaints;

public sealed class LifecycleTests(ServerHost host) : IClassFixture<ServerHost>, IAsyncLifetime
{
    private Sample.Org _org = null!;
    private CaseSteps _steps = null!;
    private ComplaintService.ComplaintServiceClient Client => host.Complaints;

    public async Task InitializeAsync()
    {
        _org = await Sample.OrganizationAsync(host.Organization);
        _steps = new CaseSteps(Client, _org);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_case_goes_through_every_step_to_closed_and_the_history_records_each()
    {
        var closed = await _steps.ClosedAsync();

        Assert.Equal(CaseStatus.Closed, closed.Status);
        Assert.Equal(_org.Station, closed.UnitId);
        Assert.Equal(_org.Handler, closed.HandlerId);
        Assert.Equal(Substantiation.Substantiated, closed.Substantiation);
        Assert.Equal(5, closed.CallbackScore);
        Assert.NotNull(closed.FirstContactTime);
        Assert.NotNull(closed.ReplyTime);
        Assert.NotNull(closed.ClosedTime);
        Assert.Equal("9", closed.Etag);

        var history = await Client.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = closed.Id });
        Assert.Equal(
            ["Submitted", "DispatchedToUnit", "HandlerAssigned", "AssignmentAccepted", "FirstContactRecorded", "RepliedToCustomer", "CallbackSatisfied",
                "FindingRecorded", "Closed"],
            history.Events.Select(e => e.Action));
        Assert.Equal(Enumerable.Range(1, 9).Select(i => (long)i), history.Events.Select(e => e.Sequence));
        Assert.All(history.Events.Zip(history.Events.Skip(1)), pair => Assert.Equal(pair.First.ToStatus, pair.Second.FromStatus));
        Assert.Equal(_org.Station, history.Events[1].Details["unit_id"]);
        Assert.Equal("线路故障已修复。", history.Events[5].Details["reply_text"]);
    }

    [Fact]
    public async Task A_returned_assignment_goes_back_to_the_unit_without_a_handler_and_keeps_the_reason()
    {
        var accepted = await _steps.AcceptedAsync();
        var returned = await Client.ReturnAssignmentAsync(new ReturnAssignmentRequest { Id = accepted.Id, Etag = accepted.Etag, Reason = "不属于本所辖区" });

        Assert.Equal(CaseStatus.Dispatched, returned.Status);
        Assert.Equal("", returned.HandlerId);
        var last = (await Client.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = returned.Id })).Events.Last();
        Assert.Equal(("AssignmentReturned", "不属于本所辖区", _org.Handler), (last.Action, last.Details["reason"], last.Details["returned_by"]));
    }

    [Fact]
    public async Task A_dissatisfied_callback_reopens_the_case_for_another_reply()
    {
        var replied = await _steps.RepliedAsync();
        var reopened = await Client.RecordCallbackAsync(new RecordCallbackRequest { Id = replied.Id, Etag = replied.Etag, Satisfied = false, Score = 2 });

        Assert.Equal(CaseStatus.Contacted, reopened.Status);
        Assert.Equal(1, reopened.ReopenCount);
        Assert.Equal(2, reopened.CallbackScore);
        Assert.Null(reopened.ReplyTime);
        var again = await Client.ReplyToCustomerAsync(new ReplyToCustomerRequest { Id = reopened.Id, Etag = reopened.Etag, ReplyText = "已更换表计。" });
        Assert.Equal(CaseStatus.Replied, again.Status);
    }

    [Fact]
    public async Task Suspend_then_resume_returns_to_the_status_it_was_suspended_from()
    {
        var suspended = await _steps.SuspendedAsync();
        Assert.Equal((CaseStatus.Suspended, CaseStatus.Accepted), (suspended.Status, suspended.SuspendedFrom));

        var resumed = await Client.ResumeComplaintAsync(new ResumeComplaintRequest { Id = suspended.Id, Etag = suspended.Etag, Note = "资料已到" });
        Assert.Equal((CaseStatus.Accepted, CaseStatus.Unspecified), (resumed.Status, resumed.SuspendedFrom));
    }

    [Fact]
    public async Task A_closed_case_can_be_reopened_with_a_reason()
    {
        var closed = await _steps.ClosedAsync();
        var reopened = await Client.ReopenComplaintAsync(new ReopenComplaintRequest { Id = closed.Id, Etag = closed.Etag, Reason = "12398转来复核" });

        Assert.Equal(CaseStatus.Contacted, reopened.Status);
        Assert.Equal(1, reopened.ReopenCount);
        Assert.Null(reopened.ClosedTime);
    }

    [Fact]
    public async Task Reassignment_after_contact_returns_straight_to_handling_when_accepted()
    {
        var contacted = await _steps.ContactedAsync();
        await host.Organization.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = Sample.Id("h2"), UnitId = _org.Station, Name = "赵敏" } });
        var second = (await host.Organization.ListHandlersAsync(new ListHandlersRequest { UnitId = _org.Station })).Handlers.First(h => h.HandlerId != _org.Handler);

        var reassigned = await Client.AssignHandlerAsync(new AssignHandlerRequest { Id = contacted.Id, Etag = contacted.Etag, HandlerId = second.HandlerId });
        var accepted = await Client.AcceptAssignmentAsync(new AcceptAssignmentRequest { Id = reassigned.Id, Etag = reassigned.Etag });

        Assert.Equal(CaseStatus.Assigned, reassigned.Status);
        Assert.Equal(CaseStatus.Contacted, accepted.Status);
        Assert.Equal(second.HandlerId, accepted.HandlerId);
    }

    public static TheoryData<string, CaseStatus> IllegalMoves => new()
    {
        { "AssignHandler", CaseStatus.Received },
        { "AcceptAssignment", CaseStatus.Dispatched },
        { "ReturnAssignment", CaseStatus.Contacted },
        { "RecordFirstContact", CaseStatus.Assigned },
        { "ReplyToCustomer", CaseStatus.Accepted },
        { "RecordCallback", CaseStatus.Contacted },
        { "SuspendComplaint", CaseStatus.Received },
        { "SuspendComplaint", CaseStatus.Closed },
        { "ResumeComplaint", CaseStatus.Accepted },
        { "CloseComplaint", CaseStatus.Replied },
        { "ReopenComplaint", CaseStatus.CalledBack },
        { "DispatchToUnit", CaseStatus.Accepted },
        { "AcceptAssignment", CaseStatus.Suspended },
    };

    [Theory]
    [MemberData(nameof(IllegalMoves))]
    public async Task An_illegal_transition_is_failed_precondition_and_changes_nothing(string action, CaseStatus from)
    {
        var c = await _steps.InStatusAsync(from);
        Assert.Equal(from, c.Status);

        var e = await Assert.ThrowsAsync<RpcException>(() => Act(action, c));

        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        var info = Sample.ErrorInfo(e);
        Assert.Equal(("ILLEGAL_TRANSITION", "complaints.v1", from.ToString(), action), (info.Reason, info.Domain, info.Metadata["from"], info.Metadata["action"]));
        var after = await Client.GetComplaintAsync(new GetComplaintRequest { Id = c.Id });
        Assert.Equal(Sample.Stored(c), Sample.Stored(after));
    }

    private Task<Complaint> Act(string action, Complaint c) => action switch
    {
        "DispatchToUnit" => Client.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = _org.Station }).ResponseAsync,
        "AssignHandler" => Client.AssignHandlerAsync(new AssignHandlerRequest { Id = c.Id, Etag = c.Etag, HandlerId = _org.Handler }).ResponseAsync,
        "AcceptAssignment" => Client.AcceptAssignmentAsync(new AcceptAssignmentRequest { Id = c.Id, Etag = c.Etag }).ResponseAsync,
        "ReturnAssignment" => Client.ReturnAssignmentAsync(new ReturnAssignmentRequest { Id = c.Id, Etag = c.Etag, Reason = "x" }).ResponseAsync,
        "RecordFirstContact" => Client.RecordFirstContactAsync(new RecordFirstContactRequest { Id = c.Id, Etag = c.Etag }).ResponseAsync,
        "ReplyToCustomer" => Client.ReplyToCustomerAsync(new ReplyToCustomerRequest { Id = c.Id, Etag = c.Etag, ReplyText = "x" }).ResponseAsync,
        "RecordCallback" => Client.RecordCallbackAsync(new RecordCallbackRequest { Id = c.Id, Etag = c.Etag, Satisfied = true, Score = 4 }).ResponseAsync,
        "SuspendComplaint" => Client.SuspendComplaintAsync(new SuspendComplaintRequest { Id = c.Id, Etag = c.Etag, Reason = "x" }).ResponseAsync,
        "ResumeComplaint" => Client.ResumeComplaintAsync(new ResumeComplaintRequest { Id = c.Id, Etag = c.Etag }).ResponseAsync,
        "CloseComplaint" => Client.CloseComplaintAsync(new CloseComplaintRequest { Id = c.Id, Etag = c.Etag, Substantiation = Substantiation.Unsubstantiated }).ResponseAsync,
        "ReopenComplaint" => Client.ReopenComplaintAsync(new ReopenComplaintRequest { Id = c.Id, Etag = c.Etag, Reason = "x" }).ResponseAsync,
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    [Fact]
    public async Task A_write_with_a_stale_etag_is_aborted_and_changes_nothing()
    {
        var dispatched = await _steps.DispatchedAsync();
        var e = await Assert.ThrowsAsync<RpcException>(() => Client.AssignHandlerAsync(
            new AssignHandlerRequest { Id = dispatched.Id, Etag = "1", HandlerId = _org.Handler }).ResponseAsync);

        Assert.Equal(StatusCode.Aborted, e.StatusCode);
        Assert.Equal("ETAG_MISMATCH", Sample.ErrorInfo(e).Reason);
        Assert.Equal(Sample.Stored(dispatched), Sample.Stored(await Client.GetComplaintAsync(new GetComplaintRequest { Id = dispatched.Id })));
    }

    [Fact]
    public async Task Of_ten_concurrent_writers_holding_one_etag_exactly_one_wins()
    {
        var accepted = await _steps.AcceptedAsync();
        var attempts = Enumerable.Range(0, 10).Select(i => Client.SuspendComplaintAsync(
            new SuspendComplaintRequest { Id = accepted.Id, Etag = accepted.Etag, Reason = $"reason {i}" }).ResponseAsync).ToList();
        var outcomes = await Task.WhenAll(attempts.Select(async t =>
        {
            try { await t; return StatusCode.OK; }
            catch (RpcException e) { return e.StatusCode; }
        }));

        Assert.Equal(1, outcomes.Count(o => o == StatusCode.OK));
        Assert.Equal(9, outcomes.Count(o => o == StatusCode.Aborted));
        var history = await Client.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = accepted.Id });
        Assert.Single(history.Events, e => e.Action == "Suspended");
    }

    [Fact]
    public async Task Assigning_a_handler_of_another_unit_or_an_unknown_handler_is_rejected()
    {
        var dispatched = await _steps.DispatchedAsync();

        var foreign = await Assert.ThrowsAsync<RpcException>(() => Client.AssignHandlerAsync(
            new AssignHandlerRequest { Id = dispatched.Id, Etag = dispatched.Etag, HandlerId = _org.CountyHandler }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, foreign.StatusCode);
        Assert.Equal("HANDLER_NOT_IN_UNIT", Sample.ErrorInfo(foreign).Reason);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => Client.AssignHandlerAsync(
            new AssignHandlerRequest { Id = dispatched.Id, Etag = dispatched.Etag, HandlerId = "nobody" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("HANDLER_NOT_FOUND", Sample.ErrorInfo(unknown).Reason);

        Assert.Equal(Sample.Stored(dispatched), Sample.Stored(await Client.GetComplaintAsync(new GetComplaintRequest { Id = dispatched.Id })));
    }

    [Fact]
    public async Task Dispatching_to_an_unknown_unit_is_not_found()
    {
        var c = await _steps.SubmittedAsync();
        var e = await Assert.ThrowsAsync<RpcException>(() => Client.DispatchToUnitAsync(
            new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = "no-such-unit" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Equal("UNIT_NOT_FOUND", Sample.ErrorInfo(e).Reason);
    }

    [Fact]
    public async Task Bad_fields_of_a_lifecycle_write_are_all_named_at_once()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => Client.RecordCallbackAsync(
            new RecordCallbackRequest { Id = "x", Etag = "", Score = 9, Note = new string('n', 501) }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(["etag", "id", "note", "score"], Sample.BadFields(e).Order());
    }

    [Fact]
    public async Task The_history_cannot_be_rewritten_even_from_inside_the_database()
    {
        var c = await _steps.SubmittedAsync();
        await using var connection = await host.Database.OpenConnectionAsync();
        var e = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            connection.ExecuteAsync("UPDATE complaint_events SET actor = 'someone else' WHERE complaint_id = @id::uuid", new { id = c.Id }));
        Assert.Contains("append-only", e.MessageText);
    }
}
