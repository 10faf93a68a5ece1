using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.Evaluation;
using ComplaintGrpc.Domain.Lifecycle;
using ComplaintGrpc.Server.Evaluation;
using ComplaintGrpc.Server.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace ComplaintGrpc.Server.Complaints;

/// <summary>The evaluation RPCs of complaints.v1.ComplaintService (属实性认定): recording a finding before close,
/// closing only with one, changing one after close one level up. Each is a lifecycle step through
/// <see cref="CaseTransitions"/>: etag-guarded, case locked, finding version, case and history in one transaction.</summary>
public sealed partial class ComplaintEndpoint
{
    [Authorize(Roles = Roles.Supervisor)]
    public override Task<Complaint> RecordFinding(RecordFindingRequest request, ServerCallContext context)
    {
        var now = clock.GetUtcNow();
        var id = CaseTransitions.Validate(request.Id, request.Etag, v => v.Finding("finding", request.Finding, DateTimeOffset.MinValue, now));
        return Apply(id, request.Etag, context, async step =>
        {
            var state = step.Case.ToState();
            CaseLifecycle.Require(state, CaseAction.FindingRecorded);
            new RequestValidator().Finding("finding", request.Finding, state.ReceivedAt, step.Now).ThrowIfInvalid();
            await FindingStore.RequireReferencesAsync(step.Connection, step.Transaction, request.Finding, step.CancellationToken);
            var version = await FindingStore.InsertAsync(step.Connection, step.Transaction, step.Case.Id, request.Finding, step.Caller.Actor,
                step.Caller.UnitId, step.Caller.UnitId ?? step.Case.UnitId, step.Now, "", step.CancellationToken);
            return FindingSteps.Record(state, request.Finding, version);
        });
    }

    [Authorize(Roles = Roles.Supervisor)]
    public override Task<Complaint> ChangeFinding(ChangeFindingRequest request, ServerCallContext context)
    {
        var now = clock.GetUtcNow();
        var id = CaseTransitions.Validate(request.Id, request.Etag, v => v
            .Finding("finding", request.Finding, DateTimeOffset.MinValue, now)
            .Text("reason", request.Reason, NoteMax, required: true, multiline: true));
        return Apply(id, request.Etag, context, async step =>
        {
            var state = step.Case.ToState();
            CaseLifecycle.Require(state, CaseAction.FindingChanged);
            new RequestValidator().Finding("finding", request.Finding, state.ReceivedAt, step.Now).ThrowIfInvalid();
            var versions = await FindingStore.ReadAllAsync(step.Connection, step.Transaction, step.Case.Id, step.CancellationToken);
            var reviewer = await FindingStore.CurrentReviewerAsync(step.Connection, step.Transaction, step.Case.Id, step.CancellationToken);
            if (versions.Current() is not { } current || reviewer is not { } r)
                throw new DomainException(ErrorKind.FailedPrecondition, "FINDING_REQUIRED", "The case has no finding to change.",
                    FindingRules.MissingForClose(null));
            var callerPath = step.Caller.UnitId is { } unit
                ? await FindingStore.UnitPathAsync(step.Connection, step.Transaction, unit, step.CancellationToken) ?? "/unknown-unit/"
                : null;
            if (!FindingRules.IsAboveSigner(step.Caller.Actor, callerPath, r.RecordedBy, r.ReviewerUnitPath))
                throw new DomainException(ErrorKind.PermissionDenied, "NOT_ONE_LEVEL_UP",
                    "Only a supervisor at least one level above the unit of the finding's reviewer, other than the reviewer, may change a closed case's finding.",
                    metadata: new Dictionary<string, string> { ["recorded_by"] = r.RecordedBy });
            await FindingStore.RequireReferencesAsync(step.Connection, step.Transaction, request.Finding, step.CancellationToken);
            var version = await FindingStore.InsertAsync(step.Connection, step.Transaction, step.Case.Id, request.Finding, step.Caller.Actor,
                step.Caller.UnitId, step.Caller.UnitId ?? step.Case.UnitId, step.Now, request.Reason, step.CancellationToken);
            return FindingSteps.Change(state, current, request.Finding, version, request.Reason);
        });
    }

    [Authorize(Roles = Roles.CaseReaders)]
    public override async Task<GetFindingResponse> GetFinding(GetFindingRequest request, ServerCallContext context)
    {
        new RequestValidator().CaseId("id", request.Id, out var id).ThrowIfInvalid();
        await CaseQueries.RequireVisibleAsync(id, Caller.Of(context), db, context.CancellationToken);
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        var versions = await FindingStore.ReadAllAsync(connection, null, id, context.CancellationToken);
        return new GetFindingResponse { Current = versions.Current(), Versions = { versions } };
    }

    /// <summary>审核归档: the case closes with its recorded finding's outcome, or not at all; when the review chain covers
    /// it, it goes to the level above for approval instead (IN_REVIEW, review clock started).</summary>
    private static async Task<Transition> CloseWithFindingAsync(StepContext step, CloseComplaintRequest request, ReviewPolicy policy)
    {
        var state = step.Case.ToState();
        CaseLifecycle.Require(state, CaseAction.Closed);
        var versions = await FindingStore.ReadAllAsync(step.Connection, step.Transaction, step.Case.Id, step.CancellationToken);
        var outcome = FindingRules.RequireForClose(versions.Current(), request.Substantiation);
        var approvals = policy.ApprovalsNeeded(step.Case.Level, step.Case.SubCategory, outcome);
        return approvals > 0
            ? ReviewSteps.Submit(state, outcome, approvals, request.ReviewNote)
            : CaseLifecycle.Close(state, outcome, request.ReviewNote, step.Now);
    }

    [Authorize(Roles = Roles.Supervisor)]
    public override Task<Complaint> ApproveClosure(ApproveClosureRequest request, ServerCallContext context) =>
        Apply(CaseTransitions.Validate(request.Id, request.Etag, v => v.Text("note", request.Note, NoteMax, multiline: true)), request.Etag, context,
            async step =>
            {
                var state = step.Case.ToState();
                CaseLifecycle.Require(state, CaseAction.ClosureApproved);
                var progress = await RequireNextLevelAsync(step);
                var versions = await FindingStore.ReadAllAsync(step.Connection, step.Transaction, step.Case.Id, step.CancellationToken);
                return ReviewSteps.Approve(state, progress.Approvals.Count, progress.ApprovalsNeeded, versions.Current()!.Outcome, step.Caller.UnitId ?? "",
                    request.Note, step.Now);
            });

    [Authorize(Roles = Roles.Supervisor)]
    public override Task<Complaint> RejectClosure(RejectClosureRequest request, ServerCallContext context) =>
        Apply(CaseTransitions.Validate(request.Id, request.Etag, v => v.Text("reason", request.Reason, NoteMax, required: true, multiline: true)),
            request.Etag, context, async step =>
            {
                var state = step.Case.ToState();
                CaseLifecycle.Require(state, CaseAction.ClosureRejected);
                await RequireNextLevelAsync(step);
                return ReviewSteps.Reject(state, step.Caller.UnitId ?? "", request.Reason);
            });

    /// <summary>The caller is the next level of the chain: another supervisor above the previous signer (the last
    /// approver, or the finding's reviewer before any approval).</summary>
    private static async Task<ReviewStore.Progress> RequireNextLevelAsync(StepContext step)
    {
        var progress = await ReviewStore.ReadAsync(step.Connection, step.Transaction, step.Case.Id, step.CancellationToken);
        string signer, signerPath;
        if (progress.Approvals.Count > 0)
        {
            (signer, var unit) = progress.Approvals[^1];
            signerPath = unit.Length == 0 ? "/" : await FindingStore.UnitPathAsync(step.Connection, step.Transaction, unit, step.CancellationToken) ?? "/";
        }
        else
        {
            var reviewer = await FindingStore.CurrentReviewerAsync(step.Connection, step.Transaction, step.Case.Id, step.CancellationToken)
                ?? throw new DomainException(ErrorKind.FailedPrecondition, "FINDING_REQUIRED", "The case has no finding.", FindingRules.MissingForClose(null));
            (signer, signerPath) = reviewer;
        }
        var callerPath = step.Caller.UnitId is { } callerUnit
            ? await FindingStore.UnitPathAsync(step.Connection, step.Transaction, callerUnit, step.CancellationToken) ?? "/unknown-unit/"
            : null;
        if (!FindingRules.IsAboveSigner(step.Caller.Actor, callerPath, signer, signerPath))
            throw new DomainException(ErrorKind.PermissionDenied, "NOT_ONE_LEVEL_UP",
                "The next review must come from another supervisor at least one level above the previous signer.",
                metadata: new Dictionary<string, string> { ["previous_signer"] = signer });
        return progress;
    }
}
