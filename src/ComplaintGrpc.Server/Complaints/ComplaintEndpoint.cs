using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.Lifecycle;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Security;
using Microsoft.AspNetCore.Authorization;
using Grpc.Core;
using Npgsql;

namespace ComplaintGrpc.Server.Complaints;

/// <summary>complaints.v1.ComplaintService: validates each request's own fields, then hands the step to the pure
/// lifecycle rule through <see cref="CaseTransitions"/>. Errors become statuses in <see cref="ErrorMappingInterceptor"/>.
/// Each RPC names the roles that may call it; which cases a caller may touch is <see cref="CaseScope"/>'s business.</summary>
public sealed partial class ComplaintEndpoint(NpgsqlDataSource db, TimeProvider clock, CaseClocks clocks, CaseTransitions transitions, ILogger<ComplaintEndpoint> logger,
    Domain.Evaluation.ReviewPolicy reviewPolicy, Microsoft.Extensions.Options.IOptions<Domain.Intake.IntakeOptions> intake, Storage.TaxonomyStore taxonomies)
    : ComplaintService.ComplaintServiceBase
{
    private const int NoteMax = CaseLifecycle.NoteMaxLength;

    [Authorize(Roles = Roles.Submitters)]
    public override Task<Complaint> SubmitComplaint(SubmitComplaintRequest request, ServerCallContext context) =>
        Complaints.SubmitComplaint.HandleAsync(request, db, clock, clocks, taxonomies, intake.Value, Caller.Of(context), logger, context.CancellationToken);

    [Authorize(Roles = Roles.CaseReaders)]
    public override Task<Complaint> GetComplaint(GetComplaintRequest request, ServerCallContext context) =>
        CaseQueries.GetAsync(request, Caller.Of(context), db, clocks, context.CancellationToken);

    [Authorize(Roles = Roles.CaseReaders)]
    public override Task<ListComplaintsResponse> ListComplaints(ListComplaintsRequest request, ServerCallContext context) =>
        CaseQueries.ListAsync(request, Caller.Of(context), db, clocks, context.CancellationToken);

    [Authorize(Roles = Roles.CaseReaders)]
    public override async Task<GetComplaintHistoryResponse> GetComplaintHistory(GetComplaintHistoryRequest request, ServerCallContext context)
    {
        new RequestValidator().CaseId("id", request.Id, out var id).ThrowIfInvalid();
        await CaseQueries.RequireVisibleAsync(id, Caller.Of(context), db, context.CancellationToken);
        return await CaseHistory.ReadAsync(db, id, context.CancellationToken);
    }

    [Authorize(Roles = Roles.Supervisor)]
    public override Task<Complaint> DispatchToUnit(DispatchToUnitRequest request, ServerCallContext context)
    {
        var id = CaseTransitions.Validate(request.Id, request.Etag, v => v
            .Identifier("unit_id", request.UnitId, RequestValidator.UnitIdPattern(), "an existing unit id")
            .Text("note", request.Note, NoteMax, multiline: true));
        return Apply(id, request.Etag, context, async step =>
        {
            await Assignment.RequireUnitInScopeAsync(step, request.UnitId);
            return CaseLifecycle.DispatchToUnit(step.Case.ToState(), request.UnitId, request.Note);
        });
    }

    [Authorize(Roles = Roles.Supervisor)]
    public override Task<Complaint> AssignHandler(AssignHandlerRequest request, ServerCallContext context)
    {
        var id = CaseTransitions.Validate(request.Id, request.Etag, v => v
            .Identifier("handler_id", request.HandlerId, RequestValidator.HandlerIdPattern(), "an existing handler id")
            .Text("note", request.Note, NoteMax, multiline: true));
        return Apply(id, request.Etag, context, async step =>
        {
            var transition = CaseLifecycle.AssignHandler(step.Case.ToState(), request.HandlerId, request.Note);
            await Assignment.RequireHandlerOfCaseUnitAsync(step, request.HandlerId);
            return transition;
        }, Assignment.NotifyAssignedAsync);
    }

    [Authorize(Roles = Roles.CaseWorkers)]
    public override Task<Complaint> AcceptAssignment(AcceptAssignmentRequest request, ServerCallContext context) =>
        Apply(CaseTransitions.Validate(request.Id, request.Etag), request.Etag, context, step => CaseLifecycle.AcceptAssignment(step.Case.ToState()));

    [Authorize(Roles = Roles.CaseWorkers)]
    public override Task<Complaint> ReturnAssignment(ReturnAssignmentRequest request, ServerCallContext context) =>
        Apply(CaseTransitions.Validate(request.Id, request.Etag, v => v.Text("reason", request.Reason, NoteMax, required: true, multiline: true)),
            request.Etag, context, step => CaseLifecycle.ReturnAssignment(step.Case.ToState(), request.Reason));

    [Authorize(Roles = Roles.CaseWorkers)]
    public override Task<Complaint> RecordFirstContact(RecordFirstContactRequest request, ServerCallContext context) =>
        Apply(CaseTransitions.Validate(request.Id, request.Etag, v => v
                .Check(request.ContactTime is null || Domain.Intake.ComplaintIntake.IsValidTimestamp(request.ContactTime), "contact_time", "is not a valid timestamp")
                .Text("note", request.Note, NoteMax, multiline: true)),
            request.Etag, context, step => CaseLifecycle.RecordFirstContact(step.Case.ToState(),
                request.ContactTime?.ToDateTimeOffset() ?? step.Now, step.Now, request.Note));

    [Authorize(Roles = Roles.CaseWorkers)]
    public override Task<Complaint> ReplyToCustomer(ReplyToCustomerRequest request, ServerCallContext context) =>
        Apply(CaseTransitions.Validate(request.Id, request.Etag, v => v.Text("reply_text", request.ReplyText, Domain.Intake.ComplaintIntake.DescriptionMaxLength, required: true, multiline: true)),
            request.Etag, context, step => CaseLifecycle.ReplyToCustomer(step.Case.ToState(), request.ReplyText, step.Now));

    [Authorize(Roles = Roles.CallbackTakers)]
    public override Task<Complaint> RecordCallback(RecordCallbackRequest request, ServerCallContext context) =>
        Apply(CaseTransitions.Validate(request.Id, request.Etag, v => v
                .Check(request.Score is >= 1 and <= 5, "score", "must be from 1 to 5")
                .Text("note", request.Note, NoteMax, multiline: true)),
            request.Etag, context, step => CaseLifecycle.RecordCallback(step.Case.ToState(), request.Satisfied, request.Score, request.Note));

    [Authorize(Roles = Roles.Supervisor)]
    public override Task<Complaint> SuspendComplaint(SuspendComplaintRequest request, ServerCallContext context) =>
        Apply(CaseTransitions.Validate(request.Id, request.Etag, v => v.Text("reason", request.Reason, NoteMax, required: true, multiline: true)),
            request.Etag, context, step => CaseLifecycle.Suspend(step.Case.ToState(), request.Reason));

    [Authorize(Roles = Roles.Supervisor)]
    public override Task<Complaint> ResumeComplaint(ResumeComplaintRequest request, ServerCallContext context) =>
        Apply(CaseTransitions.Validate(request.Id, request.Etag, v => v.Text("note", request.Note, NoteMax, multiline: true)),
            request.Etag, context, step => CaseLifecycle.Resume(step.Case.ToState(), request.Note));

    [Authorize(Roles = Roles.Supervisor)]
    public override Task<Complaint> CloseComplaint(CloseComplaintRequest request, ServerCallContext context) =>
        Apply(CaseTransitions.Validate(request.Id, request.Etag, v => v
                .Enum("substantiation", request.Substantiation, required: false)
                .Text("review_note", request.ReviewNote, NoteMax, multiline: true)),
            request.Etag, context, step => CloseWithFindingAsync(step, request, reviewPolicy));

    [Authorize(Roles = Roles.Supervisor)]
    public override Task<Complaint> ReopenComplaint(ReopenComplaintRequest request, ServerCallContext context) =>
        Apply(CaseTransitions.Validate(request.Id, request.Etag, v => v.Text("reason", request.Reason, NoteMax, required: true, multiline: true)),
            request.Etag, context, step => CaseLifecycle.Reopen(step.Case.ToState(), request.Reason));

    [Authorize(Roles = Roles.Supervisor)]
    public override Task<Complaint> RegradeComplaint(RegradeComplaintRequest request, ServerCallContext context) =>
        Apply(CaseTransitions.Validate(request.Id, request.Etag, v => v
                .Enum("level", request.Level, required: false)
                .Enum("customer_class", request.CustomerClass, required: false)
                .Check(request.Level != Level.Unspecified || request.CustomerClass != CustomerClass.Unspecified, "level", "give a new level, a new customer class, or both")
                .Text("reason", request.Reason, NoteMax, required: true, multiline: true)),
            request.Etag, context, step => CaseLifecycle.Regrade(step.Case.ToState(), request.Level, request.CustomerClass, request.Reason));

    [Authorize(Roles = Roles.Supervisor)]
    public override Task<Complaint> ConvertToComplaint(ConvertToComplaintRequest request, ServerCallContext context) =>
        Apply(CaseTransitions.Validate(request.Id, request.Etag, v => v.Text("reason", request.Reason, NoteMax, required: true, multiline: true)),
            request.Etag, context, step => CaseLifecycle.ConvertToComplaint(step.Case.ToState(), request.Reason, intake.Value.Conversion.ClocksFrom, step.Now));

    private Task<Complaint> Apply(Guid id, string etag, ServerCallContext context, Func<StepContext, Transition> decide) =>
        Apply(id, etag, context, step => Task.FromResult(decide(step)));

    private Task<Complaint> Apply(Guid id, string etag, ServerCallContext context, Func<StepContext, Task<Transition>> decide,
        Func<StepContext, CaseRow, Task>? afterWrite = null) =>
        transitions.ApplyAsync(id, etag, Caller.Of(context), decide, context.CancellationToken, afterWrite);
}
