using System.Text.Json;
using ComplaintGrpc.Contracts.V1;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Storage;

/// <summary>One entry to append to a case's history.</summary>
public sealed record NewCaseEvent(Guid ComplaintId, DateTimeOffset OccurredAt, string Actor, CaseAction Action, string FromStatus,
    string ToStatus, IReadOnlyDictionary<string, string> Details);

/// <summary>
/// Appends to a case's history (server and worker alike). The sequence comes from the case's own counter, bumped in
/// the same statement, so sequences are gap-free per case and two writers can never take the same one.
/// </summary>
public static class CaseEvents
{
    public static Task AppendAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid complaintId,
        DateTimeOffset occurredAt, string actor, CaseAction action, string fromStatus, string toStatus,
        IReadOnlyDictionary<string, string> details, CancellationToken ct) =>
        AppendAsync(connection, tx, [new NewCaseEvent(complaintId, occurredAt, actor, action, fromStatus, toStatus, details)], ct);

    /// <summary>Appends every event in one statement: each case's counter is bumped once by its number of events, and
    /// its events take the sequences in list order.</summary>
    public static Task AppendAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<NewCaseEvent> events, CancellationToken ct)
    {
        if (events.Count == 0)
            return Task.CompletedTask;
        return connection.ExecuteAsync(new CommandDefinition("""
            WITH e AS (
                SELECT * FROM unnest(@complaints::uuid[], @occurredAt::timestamptz[], @actors::text[], @actions::text[],
                    @fromStatus::text[], @toStatus::text[], @details::jsonb[])
                    WITH ORDINALITY AS e(complaint_id, occurred_at, actor, action, from_status, to_status, details, ord)
            ), counts AS (
                SELECT complaint_id, count(*)::integer AS n FROM e GROUP BY complaint_id
            ), bumped AS (
                UPDATE complaints c SET history_length = c.history_length + counts.n
                FROM counts WHERE c.id = counts.complaint_id
                RETURNING c.id, c.history_length - counts.n AS base
            )
            INSERT INTO complaint_events (complaint_id, sequence, occurred_at, actor, action, from_status, to_status, details)
            SELECT e.complaint_id, b.base + row_number() OVER (PARTITION BY e.complaint_id ORDER BY e.ord),
                e.occurred_at, e.actor, e.action, e.from_status, e.to_status, e.details
            FROM e JOIN bumped b ON b.id = e.complaint_id
            """,
            new
            {
                complaints = events.Select(e => e.ComplaintId).ToArray(),
                occurredAt = events.Select(e => e.OccurredAt.UtcDateTime).ToArray(),
                actors = events.Select(e => e.Actor).ToArray(),
                actions = events.Select(e => e.Action.ToString()).ToArray(),
                fromStatus = events.Select(e => e.FromStatus).ToArray(),
                toStatus = events.Select(e => e.ToStatus).ToArray(),
                details = events.Select(e => JsonSerializer.Serialize(e.Details)).ToArray(),
            }, tx, cancellationToken: ct));
    }
}
