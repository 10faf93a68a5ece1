using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage;
using Dapper;

namespace ComplaintGrpc.Server.Complaints;

/// <summary>The look-ups dispatch and assignment need inside the case's transaction, and the assignment notification
/// that goes into the outbox with it.</summary>
public static class Assignment
{
    /// <summary>The unit exists, and lies within the caller's own subtree (a supervisor dispatches only downwards).</summary>
    public static async Task RequireUnitInScopeAsync(StepContext step, string unitId)
    {
        var found = await step.Connection.QuerySingleOrDefaultAsync<bool?>(new CommandDefinition(
            $"SELECT {CaseScope.UnitInScope} FROM units WHERE unit_id = @unit",
            new { unit = unitId, scopeUnit = step.Caller.UnitId }, step.Transaction, cancellationToken: step.CancellationToken));
        if (found is null)
            throw DomainException.NotFound("UNIT_NOT_FOUND", $"No unit {unitId}.");
        if (found is false)
            throw new DomainException(ErrorKind.PermissionDenied, "UNIT_OUTSIDE_CALLER_SCOPE", $"Unit {unitId} is outside your unit's subtree.");
    }

    public static async Task RequireHandlerOfCaseUnitAsync(StepContext step, string handlerId)
    {
        var handlerUnit = await step.Connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT unit_id FROM handlers WHERE handler_id = @handlerId AND active", new { handlerId }, step.Transaction,
            cancellationToken: step.CancellationToken))
            ?? throw DomainException.NotFound("HANDLER_NOT_FOUND", $"No active handler {handlerId}.");
        if (handlerUnit != step.Case.UnitId)
            throw new DomainException(ErrorKind.FailedPrecondition, "HANDLER_NOT_IN_UNIT",
                $"Handler {handlerId} belongs to unit {handlerUnit}, not to the case's unit {step.Case.UnitId}.",
                metadata: new Dictionary<string, string> { ["handler_unit_id"] = handlerUnit, ["case_unit_id"] = step.Case.UnitId ?? "" });
    }

    /// <summary>Writes the "case assigned" notification into the outbox. Its dedup key is the case version that made
    /// the assignment, so one assignment yields one notification however the write is retried.</summary>
    public static Task NotifyAssignedAsync(StepContext step, CaseRow updated) =>
        Outbox.RaiseAsync(step.Connection, step.Transaction,
        [
            new NewNotification(
                Id: Guid.CreateVersion7(step.Now),
                DedupKey: $"assigned:{updated.Id}:{updated.Version}",
                HandlerId: updated.HandlerId ?? throw new InvalidOperationException("An assignment names a handler."),
                Kind: NotificationKind.CaseAssigned.ToString(),
                ComplaintId: updated.Id,
                Text: $"Case {updated.CaseNumber} ({updated.Category}/{updated.SubCategory}, level {updated.Level}) was assigned to you.",
                CreatedAt: step.Now,
                DeliverAfter: step.Now),
        ], step.CancellationToken);
}
