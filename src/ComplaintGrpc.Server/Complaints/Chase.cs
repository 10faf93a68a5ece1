using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Server.Complaints;

/// <summary>
/// 催办: a submit with <c>chase_open_case</c> from a customer (same account number, or same phone) who has an open case
/// is recorded on the newest such case instead of storing a new one: a <c>case_chases</c> row keyed like a submit,
/// the case's chase count, a CHASED history event and a CHASE notification to its handler (its unit's supervisors when
/// it has none; the receiving unit's when it is not yet dispatched), all in the submit's transaction.
/// Exactly once: a retry with the same key finds the stored chase and gets the same answer; of two racing submits with
/// one key, the second waits on the case's row lock, loses the insert of the key and answers from the first's row.
/// The chase leaves the case's etag alone: it changes nothing a handler decides on, so it never makes a handler's
/// next step fail as stale.
/// </summary>
public static class Chase
{
    /// <summary>The chased case, or null when the key is new and the customer has no open case (then a new case is stored).</summary>
    public static async Task<Complaint?> TryAsync(NpgsqlConnection connection, NpgsqlTransaction tx, SubmitComplaintRequest request,
        byte[] hash, string phone, DateTimeOffset receivedAt, DateTimeOffset now, Caller caller, CaseClocks clocks, CancellationToken ct)
    {
        if (await KeyUsedAsync(connection, tx, caller, request.RequestId, ct))
            return await SubmitComplaint.StoredAnswerAsync(connection, tx, request, hash, caller, clocks, ct);

        var account = request.Customer.AccountNumber;
        var open = await connection.QuerySingleOrDefaultAsync<CaseRow>(new CommandDefinition($"""
            SELECT {CaseRow.Columns} FROM complaints c
            WHERE c.id = (SELECT o.id FROM (
                    SELECT id, received_at FROM complaints WHERE customer_phone = @phone AND status <> 'Closed'
                    UNION ALL
                    SELECT id, received_at FROM complaints
                    WHERE customer_account_number = @account AND customer_account_number <> '' AND status <> 'Closed') o
                ORDER BY o.received_at DESC, o.id DESC LIMIT 1)
              AND c.status <> 'Closed'
            FOR UPDATE OF c
            """, new { phone, account }, tx, cancellationToken: ct));
        if (open is null)
            return null;

        var recorded = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO case_chases (submitted_by, request_id, request_hash, complaint_id, channel, received_at, chased_at)
            VALUES (@Subject, @RequestId, @hash, @id, @channel, @receivedAt, @now)
            ON CONFLICT (submitted_by, request_id) DO NOTHING
            """, new
        {
            caller.Subject,
            request.RequestId,
            hash,
            id = open.Id,
            channel = request.Channel.ToString(),
            receivedAt = receivedAt.UtcDateTime,
            now = now.UtcDateTime,
        }, tx, cancellationToken: ct));
        if (recorded == 0)
            return await SubmitComplaint.StoredAnswerAsync(connection, tx, request, hash, caller, clocks, ct);

        var chased = await connection.QuerySingleAsync<CaseRow>(new CommandDefinition(
            $"UPDATE complaints c SET chase_count = c.chase_count + 1 WHERE c.id = @id RETURNING {CaseRow.Columns}",
            new { id = open.Id }, tx, cancellationToken: ct));
        var status = chased.Status.ToString();
        await CaseEvents.AppendAsync(connection, tx, chased.Id, now, caller.Actor, CaseAction.Chased, status, status,
            new Dictionary<string, string>
            {
                ["request_id"] = request.RequestId,
                ["channel"] = request.Channel.ToString(),
                ["received_time"] = receivedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
                ["chase_count"] = chased.ChaseCount.ToString(CultureInfo.InvariantCulture),
            }, ct);
        var recipients = await RecipientsAsync(connection, tx, chased, caller, ct);
        await Outbox.RaiseAsync(connection, tx, [.. recipients.Select(r => new NewNotification(
            Id: Guid.CreateVersion7(now),
            DedupKey: $"chase:{chased.Id}:{chased.ChaseCount}:{r}",
            HandlerId: r,
            Kind: NotificationKind.Chase.ToString(),
            ComplaintId: chased.Id,
            Text: $"The customer chased case {chased.CaseNumber} through {request.Channel} (chase {chased.ChaseCount}).",
            CreatedAt: now,
            DeliverAfter: now))], ct);

        var complaint = await clocks.ToContractAsync(connection, tx, chased, ct);
        complaint.SubmitOutcome = SubmitOutcome.Chased;
        return complaint;
    }

    private static Task<bool> KeyUsedAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Caller caller, string requestId, CancellationToken ct) =>
        connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM complaints WHERE submitted_by = @Subject AND request_id = @requestId)
                OR EXISTS (SELECT 1 FROM case_chases WHERE submitted_by = @Subject AND request_id = @requestId)
            """, new { caller.Subject, requestId }, tx, cancellationToken: ct));

    /// <summary>The handler; without one, the supervisors of the case's unit; before dispatch, those of the receiving unit.</summary>
    private static async Task<IReadOnlyList<string>> RecipientsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CaseRow c, Caller caller,
        CancellationToken ct)
    {
        if (c.HandlerId is { } handler)
            return [handler];
        var units = c.UnitId is not null ? "unit_id = @caseUnit" : IntakeLookup.ReceivingUnits(caller);
        return [.. await connection.QueryAsync<string>(new CommandDefinition(
            $"SELECT handler_id FROM handlers WHERE role = 'Supervisor' AND active AND {units} ORDER BY handler_id",
            new { caseUnit = c.UnitId, callerUnit = caller.UnitId }, tx, cancellationToken: ct))];
    }
}
