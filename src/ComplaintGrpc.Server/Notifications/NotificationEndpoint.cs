using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Storage;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using ComplaintGrpc.Server.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Npgsql;

namespace ComplaintGrpc.Server.Notifications;

/// <summary>complaints.v1.NotificationService: a handler's inbox. Only notifications the worker has delivered show.</summary>
public sealed class NotificationEndpoint(NpgsqlDataSource db, NotificationFeed feed) : NotificationService.NotificationServiceBase
{
    [Authorize(Roles = Roles.InboxReaders)]
    public override async Task<ListNotificationsResponse> ListNotifications(ListNotificationsRequest request, ServerCallContext context)
    {
        new RequestValidator().Identifier("handler_id", request.HandlerId, RequestValidator.HandlerIdPattern(), "a handler id").ThrowIfInvalid();
        var pageSize = PageToken.Size(request.PageSize);
        var fingerprint = PageToken.Fingerprint(request, r => { r.PageSize = 0; r.PageToken = ""; });
        var after = PageToken.Decode(request.PageToken, fingerprint);

        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        await RequireInboxInScopeAsync(connection, Caller.Of(context), request.HandlerId, null, context.CancellationToken);
        var rows = (await connection.QueryAsync<NotificationRow>(new CommandDefinition($"""
            {Select} d.handler_id = @HandlerId AND (@after::uuid IS NULL OR d.notification_id < @after)
            ORDER BY d.notification_id DESC LIMIT @limit
            """, new { request.HandlerId, after, limit = pageSize + 1 }, cancellationToken: context.CancellationToken))).ToList();

        var response = new ListNotificationsResponse();
        response.Notifications.AddRange(rows.Take(pageSize).Select(n => n.ToContract()));
        if (rows.Count > pageSize)
            response.NextPageToken = PageToken.Encode(rows[pageSize - 1].Id, fingerprint);
        return response;
    }

    /// <summary>
    /// Streams delivered inbox notifications of a handler or of every handler of a unit in the order they were
    /// delivered, from after the given notification (or from now). Each read looks back over the last
    /// <see cref="Overlap"/> deliveries as well, so a delivery whose transaction committed after a later one is still
    /// sent, once: a desk app that reconnects with its last id misses nothing and sees nothing twice.
    /// </summary>
    [Authorize(Roles = Roles.InboxReaders)]
    public override async Task WatchNotifications(WatchNotificationsRequest request, IServerStreamWriter<Notification> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var v = new RequestValidator()
            .Check(request.HandlerId.Length > 0 != request.UnitId.Length > 0, "handler_id", "give exactly one of handler_id or unit_id")
            .Identifier("handler_id", request.HandlerId, RequestValidator.HandlerIdPattern(), "a handler id", required: false)
            .Identifier("unit_id", request.UnitId, RequestValidator.UnitIdPattern(), "a unit id", required: false);
        Guid after = default;
        if (request.AfterNotificationId.Length > 0 && !Guid.TryParse(request.AfterNotificationId, out after))
            v.Add("after_notification_id", "must be a notification id");
        v.ThrowIfInvalid();

        var filter = request.HandlerId.Length > 0 ? "d.handler_id = @HandlerId" : "d.handler_id IN (SELECT handler_id FROM handlers WHERE unit_id = @UnitId)";
        long floor;
        var sent = new Dictionary<Guid, long>();
        await using (var connection = await db.OpenConnectionAsync(ct))
        {
            await RequireInboxInScopeAsync(connection, Caller.Of(context), request.HandlerId.Length > 0 ? request.HandlerId : null,
                request.UnitId.Length > 0 ? request.UnitId : null, ct);
            if (request.AfterNotificationId.Length > 0)
            {
                floor = await connection.ExecuteScalarAsync<long?>(new CommandDefinition($"SELECT d.delivered_seq {From} {filter} AND d.notification_id = @after",
                    new { request.HandlerId, request.UnitId, after }, cancellationToken: ct))
                    ?? throw DomainException.Invalid("after_notification_id", "is not a delivered notification of this inbox");
            }
            else
            {
                // From now: the latest deliveries count as already seen, so one that commits late is still streamed.
                foreach (var (id, seq) in await connection.QueryAsync<(Guid, long)>(new CommandDefinition(
                             $"SELECT d.notification_id, d.delivered_seq {From} {filter} ORDER BY d.delivered_seq DESC LIMIT {Overlap}",
                             new { request.HandlerId, request.UnitId }, cancellationToken: ct)))
                    sent[id] = seq;
                floor = sent.Count > 0 ? sent.Values.Min() - 1 : 0;
            }
        }

        var cursor = floor;
        while (!ct.IsCancellationRequested)
        {
            List<NotificationRow> batch;
            await using (var connection = await db.OpenConnectionAsync(ct))
                batch = (await connection.QueryAsync<NotificationRow>(new CommandDefinition($"""
                    {Select} {filter} AND d.delivered_seq > greatest(@floor, @cursor - {Overlap})
                    ORDER BY d.delivered_seq LIMIT {2 * Overlap}
                    """, new { request.HandlerId, request.UnitId, floor, cursor }, cancellationToken: ct))).ToList();
            var fresh = batch.Where(row => !sent.ContainsKey(row.Id)).ToList();
            foreach (var row in fresh)
            {
                await responseStream.WriteAsync(row.ToContract(), ct);
                sent[row.Id] = row.DeliveredSeq;
            }
            cursor = Math.Max(cursor, batch.Count > 0 ? batch.Max(row => row.DeliveredSeq) : cursor);
            foreach (var old in sent.Where(p => p.Value <= cursor - Overlap).Select(p => p.Key).ToList())
                sent.Remove(old);
            if (fresh.Count == 0)
                await feed.WaitAsync(ct);
        }
    }

    private const int Overlap = 100;

    /// <summary>A handler reads only their own inbox; supervisors and inspectors those of their unit's subtree;
    /// administrators and auditors any. Anything else is PERMISSION_DENIED.</summary>
    private static async Task RequireInboxInScopeAsync(NpgsqlConnection connection, Caller caller, string? handlerId, string? unitId, CancellationToken ct)
    {
        if (caller.Is(Roles.Administrator) || caller.Is(Roles.Auditor) || (caller.Is(Roles.Handler) && handlerId == caller.Subject))
            return;
        var unit = unitId ?? await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT unit_id FROM handlers WHERE handler_id = @handlerId", new { handlerId }, cancellationToken: ct));
        var inScope = (caller.Is(Roles.Supervisor) || caller.Is(Roles.Inspector)) && unit is not null
            && await connection.ExecuteScalarAsync<bool>(new CommandDefinition($"SELECT {CaseScope.UnitInScope}",
                new { unit, scopeUnit = caller.UnitId }, cancellationToken: ct));
        if (!inScope)
            throw new DomainException(ErrorKind.PermissionDenied, "OUTSIDE_CALLER_SCOPE", "You may not read that inbox.");
    }

    // Delivered inbox notifications only; callers add their WHERE conditions with AND.
    private const string From = """
        FROM notification_deliveries d
        JOIN notifications n ON n.id = d.notification_id
        LEFT JOIN complaints c ON c.id = n.complaint_id -- none for a hotspot flag's or a rectification's notification
        WHERE d.channel = 'Inbox' AND d.delivered_at IS NOT NULL AND
        """;

    private const string Select = $"""
        SELECT n.id, n.handler_id, n.kind, n.complaint_id, coalesce(c.case_number, '') AS case_number, n.rectification_id, n.text, n.created_at, d.delivered_at,
               coalesce(d.delivered_seq, 0) AS delivered_seq, n.clock, n.milestone, n.milestone_at, n.late, n.hotspot_id
        {From}
        """;

    private sealed class NotificationRow
    {
        public Guid Id { get; init; }
        public string HandlerId { get; init; } = "";
        public NotificationKind Kind { get; init; }
        public Guid? ComplaintId { get; init; }
        public Guid? RectificationId { get; init; }
        public string CaseNumber { get; init; } = "";
        public string Text { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public Guid? HotspotId { get; init; }
        public DateTime DeliveredAt { get; init; }
        public long DeliveredSeq { get; init; }
        public string Clock { get; init; } = "";
        public string Milestone { get; init; } = "";
        public DateTime? MilestoneAt { get; init; }
        public bool Late { get; init; }

        public Notification ToContract() => new()
        {
            NotificationId = Id.ToString(),
            HandlerId = HandlerId,
            Kind = Kind,
            ComplaintId = ComplaintId?.ToString() ?? "",
            RectificationId = RectificationId?.ToString() ?? "",
            HotspotId = HotspotId?.ToString() ?? "",
            CaseNumber = CaseNumber,
            Text = Text,
            CreatedTime = CreatedAt.AsTimestamp(),
            DeliveredTime = DeliveredAt.AsTimestamp(),
            Clock = Clock,
            Milestone = Milestone,
            MilestoneTime = MilestoneAt is { } m ? m.AsTimestamp() : null,
            Late = Late,
        };
    }
}
