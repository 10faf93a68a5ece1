using System.Text.Json;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Storage;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace ComplaintGrpc.Server.Complaints;

/// <summary>Reads the append-only history of a case (written through <see cref="Storage.CaseEvents"/>).</summary>
public static class CaseHistory
{
    public static async Task<GetComplaintHistoryResponse> ReadAsync(NpgsqlDataSource db, Guid complaintId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<EventRow>(new CommandDefinition(
            "SELECT sequence, occurred_at, actor, action, from_status, to_status, details FROM complaint_events WHERE complaint_id = @complaintId ORDER BY sequence", new { complaintId }, cancellationToken: ct));
        var response = new GetComplaintHistoryResponse();
        foreach (var row in rows)
        {
            var e = new ComplaintEvent
            {
                Sequence = row.Sequence,
                OccurredTime = row.OccurredAt.AsTimestamp(),
                Actor = row.Actor,
                Action = row.Action.ToString(),
                ActionKind = row.Action,
                FromStatus = row.FromStatus,
                ToStatus = row.ToStatus,
            };
            e.Details.Add(JsonSerializer.Deserialize<Dictionary<string, string>>(row.Details) ?? []);
            response.Events.Add(e);
        }
        return response;
    }

    private sealed class EventRow
    {
        public long Sequence { get; init; }
        public DateTime OccurredAt { get; init; }
        public string Actor { get; init; } = "";
        public CaseAction Action { get; init; }
        public CaseStatus FromStatus { get; init; }
        public CaseStatus ToStatus { get; init; }
        public string Details { get; init; } = "{}";
    }
}
