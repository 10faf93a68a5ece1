using Dapper;
using Npgsql;

namespace ComplaintGrpc.Storage;

/// <summary>A notification to raise. <see cref="DedupKey"/> names what it is about (case, reason, milestone,
/// recipient); the same key raised again is ignored. Milestone fields are empty for notifications about no clock;
/// <see cref="ComplaintId"/> is null for notifications about no single case (a hotspot flag, <see cref="HotspotId"/>; a
/// rectification, <see cref="RectificationId"/>).</summary>
public sealed record NewNotification(
    Guid Id,
    string DedupKey,
    string HandlerId,
    string Kind,
    Guid? ComplaintId,
    string Text,
    DateTimeOffset CreatedAt,
    DateTimeOffset DeliverAfter,
    string Clock = "",
    string Milestone = "",
    DateTimeOffset? MilestoneAt = null,
    bool Late = false,
    Guid? RectificationId = null,
    Guid? HotspotId = null);

/// <summary>The one INSERT into the <c>notifications</c> outbox, for server steps (assignment) and the worker's
/// milestones alike. Written in the transaction of the change that causes it; delivered later by the worker.</summary>
public static class Outbox
{
    /// <summary>Raises every notification in one statement; those whose dedup key is already stored (or repeated in
    /// the list) are skipped, so retries and racing workers raise each exactly once.</summary>
    public static Task<int> RaiseAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<NewNotification> notifications,
        CancellationToken ct)
    {
        if (notifications.Count == 0)
            return Task.FromResult(0);
        return connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO notifications (id, dedup_key, handler_id, kind, complaint_id, text, created_at, deliver_after,
                clock, milestone, milestone_at, late, rectification_id, hotspot_id)
            SELECT * FROM unnest(@ids::uuid[], @keys::text[], @handlers::text[], @kinds::text[], @complaints::uuid[],
                @texts::text[], @createdAt::timestamptz[], @deliverAfter::timestamptz[], @clocks::text[], @milestones::text[],
                @milestoneAt::timestamptz[], @late::boolean[], @rectifications::uuid[], @hotspots::uuid[])
            ON CONFLICT (dedup_key) DO NOTHING
            """,
            new
            {
                ids = notifications.Select(n => n.Id).ToArray(),
                keys = notifications.Select(n => n.DedupKey).ToArray(),
                handlers = notifications.Select(n => n.HandlerId).ToArray(),
                kinds = notifications.Select(n => n.Kind).ToArray(),
                complaints = notifications.Select(n => n.ComplaintId).ToArray(),
                texts = notifications.Select(n => n.Text).ToArray(),
                createdAt = notifications.Select(n => n.CreatedAt.UtcDateTime).ToArray(),
                deliverAfter = notifications.Select(n => n.DeliverAfter.UtcDateTime).ToArray(),
                clocks = notifications.Select(n => n.Clock).ToArray(),
                milestones = notifications.Select(n => n.Milestone).ToArray(),
                milestoneAt = notifications.Select(n => n.MilestoneAt?.UtcDateTime).ToArray(),
                late = notifications.Select(n => n.Late).ToArray(),
                rectifications = notifications.Select(n => n.RectificationId).ToArray(),
                hotspots = notifications.Select(n => n.HotspotId).ToArray(),
            }, tx, cancellationToken: ct));
    }
}
