using System.Text.Json;
using ComplaintGrpc.Contracts.V1;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Storage;

/// <summary>
/// Appends to a case's history (server and worker alike). The sequence comes from the case's own counter, bumped in
/// the same transaction, so sequences are gap-free per case and two writers can never take the same one.
/// </summary>
public static class CaseEvents
{
    public static async Task AppendAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid complaintId,
        DateTimeOffset occurredAt, string actor, CaseAction action, string fromStatus, string toStatus,
        IReadOnlyDictionary<string, string> details, CancellationToken ct)
    {
        var sequence = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "UPDATE complaints SET history_length = history_length + 1 WHERE id = @complaintId RETURNING history_length",
            new { complaintId }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO complaint_events (complaint_id, sequence, occurred_at, actor, action, from_status, to_status, details)
            VALUES (@complaintId, @sequence, @occurredAt, @actor, @action, @fromStatus, @toStatus, @details::jsonb)
            """,
            new
            {
                complaintId,
                sequence,
                occurredAt = occurredAt.UtcDateTime,
                actor,
                action = action.ToString(),
                fromStatus,
                toStatus,
                details = JsonSerializer.Serialize(details),
            }, tx, cancellationToken: ct));
    }
}
