using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Server.Internal;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;

namespace ComplaintGrpc.Server.Notifications;

/// <summary>complaints.v1.NotificationService: a handler's inbox. Only notifications the worker has delivered show.</summary>
public sealed class NotificationEndpoint(NpgsqlDataSource db) : NotificationService.NotificationServiceBase
{
    public override async Task<ListNotificationsResponse> ListNotifications(ListNotificationsRequest request, ServerCallContext context)
    {
        new RequestValidator().Identifier("handler_id", request.HandlerId, RequestValidator.HandlerIdPattern(), "a handler id").ThrowIfInvalid();
        var pageSize = PageToken.Size(request.PageSize);
        var fingerprint = PageToken.Fingerprint(request, r => { r.PageSize = 0; r.PageToken = ""; });
        var after = PageToken.Decode(request.PageToken, fingerprint);

        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        var rows = (await connection.QueryAsync<NotificationRow>(new CommandDefinition("""
            SELECT n.id, n.handler_id, n.kind, n.complaint_id, c.case_number, n.text, n.created_at, d.delivered_at,
                   n.clock, n.milestone, n.milestone_at, n.late
            FROM notification_deliveries d
            JOIN notifications n ON n.id = d.notification_id
            JOIN complaints c ON c.id = n.complaint_id
            WHERE d.handler_id = @HandlerId AND d.channel = 'Inbox' AND d.delivered_at IS NOT NULL
              AND (@after::uuid IS NULL OR d.notification_id < @after)
            ORDER BY d.notification_id DESC LIMIT @limit
            """, new { request.HandlerId, after, limit = pageSize + 1 }, cancellationToken: context.CancellationToken))).ToList();

        var response = new ListNotificationsResponse();
        response.Notifications.AddRange(rows.Take(pageSize).Select(n => new Notification
        {
            NotificationId = n.Id.ToString(),
            HandlerId = n.HandlerId,
            Kind = n.Kind,
            ComplaintId = n.ComplaintId.ToString(),
            CaseNumber = n.CaseNumber,
            Text = n.Text,
            CreatedTime = Timestamp.FromDateTime(DateTime.SpecifyKind(n.CreatedAt, DateTimeKind.Utc)),
            DeliveredTime = Timestamp.FromDateTime(DateTime.SpecifyKind(n.DeliveredAt, DateTimeKind.Utc)),
            Clock = n.Clock,
            Milestone = n.Milestone,
            MilestoneTime = n.MilestoneAt is { } m ? Timestamp.FromDateTime(DateTime.SpecifyKind(m, DateTimeKind.Utc)) : null,
            Late = n.Late,
        }));
        if (rows.Count > pageSize)
            response.NextPageToken = PageToken.Encode(rows[pageSize - 1].Id, fingerprint);
        return response;
    }

    private sealed class NotificationRow
    {
        public Guid Id { get; init; }
        public string HandlerId { get; init; } = "";
        public NotificationKind Kind { get; init; }
        public Guid ComplaintId { get; init; }
        public string CaseNumber { get; init; } = "";
        public string Text { get; init; } = "";
        public DateTime CreatedAt { get; init; }
        public DateTime DeliveredAt { get; init; }
        public string Clock { get; init; } = "";
        public string Milestone { get; init; } = "";
        public DateTime? MilestoneAt { get; init; }
        public bool Late { get; init; }
    }
}
