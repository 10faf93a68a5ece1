using System.Diagnostics;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Storage.Telemetry;

/// <summary>
/// Joins a case's later work to the trace of its submit: the submit stores its trace context (<c>case_traces</c>, same
/// transaction as the case), and a worker span that acts on cases starts with one <see cref="ActivityLink"/> per case to
/// those traces. A link, not a parent: the reminder happens hours later in another process, its own trace.
/// </summary>
public static class CaseTraces
{
    /// <summary>Stores the current trace context for a new case; nothing when no span is being recorded.</summary>
    public static Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid complaintId, CancellationToken ct) =>
        Activity.Current is { } current
            ? connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO case_traces (complaint_id, trace_parent) VALUES (@complaintId, @traceParent) ON CONFLICT DO NOTHING",
                new { complaintId, traceParent = current.Id }, tx, cancellationToken: ct))
            : Task.CompletedTask;

    /// <summary>
    /// Starts <paramref name="name"/> (under the current span: in the worker, Quartz's span of the firing) with a link to
    /// the submit trace of each of <paramref name="cases"/>; null when nobody listens. One query for the batch.
    /// </summary>
    public static async Task<Activity?> StartActingOnAsync(string name, NpgsqlConnection connection, NpgsqlTransaction tx,
        IReadOnlyList<Guid> cases, CancellationToken ct)
    {
        if (!ComplaintTelemetry.Source.HasListeners())
            return null;
        var stored = await connection.QueryAsync<(Guid ComplaintId, string TraceParent)>(new CommandDefinition(
            "SELECT complaint_id, trace_parent FROM case_traces WHERE complaint_id = ANY(@cases)", new { cases = cases.ToArray() }, tx,
            cancellationToken: ct));
        var links = new List<ActivityLink>();
        foreach (var (complaintId, traceParent) in stored)
            if (ActivityContext.TryParse(traceParent, null, out var submit))
                links.Add(new ActivityLink(submit, new ActivityTagsCollection { ["complaint.id"] = complaintId.ToString() }));

        var span = ComplaintTelemetry.Source.StartActivity(name, ActivityKind.Internal, default(ActivityContext), links: links);
        span?.SetTag("complaints.cases", cases.Count);
        return span;
    }
}
