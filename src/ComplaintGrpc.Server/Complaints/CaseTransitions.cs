using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.Lifecycle;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage;
using ComplaintGrpc.Storage.Telemetry;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Server.Complaints;

/// <summary>What a lifecycle step sees inside its transaction: the locked case, the clock and the connection for
/// look-ups it needs before deciding (does the unit exist, is the handler in the case's unit).</summary>
public sealed record StepContext(NpgsqlConnection Connection, NpgsqlTransaction Transaction, CaseRow Case, DateTimeOffset Now, Caller Caller, CancellationToken CancellationToken);

/// <summary>
/// Runs one lifecycle step of a case: lock the row, check the etag (ABORTED when stale), let the pure rule decide
/// (FAILED_PRECONDITION when illegal), then write the new state, its history event and any outbox notification in
/// one transaction. Either all of it is stored or none.
/// </summary>
public sealed class CaseTransitions(NpgsqlDataSource db, TimeProvider clock, CaseClocks clocks, ILogger<CaseTransitions> logger)
{
    /// <summary>Checks the id and etag fields and the step's own fields in one go, so the caller hears of every bad
    /// field at once; returns the case id.</summary>
    public static Guid Validate(string id, string etag, Action<RequestValidator>? fields = null)
    {
        var v = new RequestValidator().CaseId("id", id, out var caseId).Text("etag", etag, 16, required: true);
        fields?.Invoke(v);
        v.ThrowIfInvalid();
        return caseId;
    }

    public async Task<Complaint> ApplyAsync(Guid caseId, string etag, Caller caller,
        Func<StepContext, Task<Transition>> decide, CancellationToken ct,
        Func<StepContext, CaseRow, Task>? afterWrite = null)
    {
        // Stored precision: the reply is built from the clocks just computed, and must equal a later read.
        var now = clock.GetUtcNow().ToStoredPrecision();

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Only a case within the caller's scope is locked; for any other, tell "outside your scope" from "no such case".
        var scope = CaseScope.Of(caller);
        var locked = await CaseLocks.LockAsync<CaseRow>(connection, tx, caseId, CaseRow.Columns, scope.Condition, scope.Parameters, ct);
        if (locked is null)
        {
            var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM complaints WHERE id = @caseId)", new { caseId }, tx, cancellationToken: ct));
            throw exists
                ? new DomainException(ErrorKind.PermissionDenied, "OUTSIDE_CALLER_SCOPE", "The case is outside the cases you may change.")
                : CaseQueries.CaseNotFound();
        }
        var (held, row) = locked.Value;
        using var caseScope = CaseLogScope.Begin(logger, row.CaseNumber);
        if (row.Etag != etag)
            throw DomainException.StaleEtag();

        var step = new StepContext(connection, tx, row, now, caller, ct);
        var transition = await decide(step);
        var s = transition.To;
        var updated = await connection.QuerySingleAsync<CaseRow>(new CommandDefinition($"""
            UPDATE complaints c SET status = @Status, unit_id = @UnitId, handler_id = @HandlerId, suspended_from = @SuspendedFrom,
                first_contact_at = @FirstContactAt, reply_at = @ReplyAt, closed_at = @ClosedAt, reopen_count = @ReopenCount,
                callback_score = @CallbackScore, substantiation = @Substantiation, level = @Level, customer_class = @CustomerClass,
                request_kind = @RequestKind, original_request_kind = @OriginalRequestKind, converted_at = @ConvertedAt,
                version = version + 1, updated_at = @Now
            WHERE c.id = @caseId
            RETURNING {CaseRow.Columns}
            """,
            new
            {
                caseId,
                Status = s.Status.ToString(),
                s.UnitId,
                s.HandlerId,
                SuspendedFrom = s.SuspendedFrom.ToString(),
                FirstContactAt = s.FirstContactAt?.UtcDateTime,
                ReplyAt = s.ReplyAt?.UtcDateTime,
                ClosedAt = s.ClosedAt?.UtcDateTime,
                s.ReopenCount,
                s.CallbackScore,
                Substantiation = s.Substantiation.ToString(),
                Level = s.Level.ToString(),
                CustomerClass = s.CustomerClass.ToString(),
                RequestKind = s.RequestKind.ToString(),
                OriginalRequestKind = s.OriginalRequestKind == RequestKind.Unspecified ? null : s.OriginalRequestKind.ToString(),
                ConvertedAt = s.ConvertedAt?.UtcDateTime,
                Now = now.UtcDateTime,
            }, tx, cancellationToken: ct));
        var clockStep = await clocks.ApplyAsync(held, updated, transition, now, ct);
        await CaseEvents.AppendAsync(connection, tx, caseId, now, caller.Actor, transition.Action, transition.From.Status.ToString(),
            s.Status.ToString(), transition.Details.Concat(clockStep.Changes).ToDictionary(), ct);
        if (afterWrite is not null)
            await afterWrite(step, updated);
        var complaint = updated.ToContract();
        complaint.Deadlines.AddRange(clockStep.Deadlines);
        await tx.CommitAsync(ct);

        ServerLog.Transitioned(logger, caseId, transition.Action, caller.Actor, transition.From.Status, s.Status);
        return complaint;
    }
}
