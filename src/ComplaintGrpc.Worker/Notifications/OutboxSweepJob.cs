using ComplaintGrpc.Storage.Telemetry;
using ComplaintGrpc.Storage.Jobs;
using Dapper;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;
using Quartz;

namespace ComplaintGrpc.Worker.Notifications;

/// <summary>
/// Moves the outbox along, in set-based batches until it is drained (or <see cref="MaxRunTime"/> has passed):
/// 1. notifications whose hold has passed get one delivery row per channel configured for their recipient. The
///    inbox lives in this database, so its delivery is made right there — marked delivered, in the inbox order, with
///    a NOTIFY that wakes WatchNotifications streams — with no job at all; a storm of reminders costs a few
///    statements per batch, not a Hangfire job each.
/// 2. undelivered deliveries over external channels (webhook, e-mail) that are due (never handed over, handed over
///    longer than <see cref="WorkerOptions.RedeliverAfter"/> ago without being delivered, or past the back-off of a
///    failed attempt) and not claimed by a live attempt are handed to Hangfire: one job per batch and channel, on the
///    channel's own queue (<see cref="DeliveryOptions.QueueOf"/>), so that a slow endpoint only holds up its channel.
/// Rows are claimed with <c>FOR UPDATE SKIP LOCKED</c>, so concurrent sweeps on several workers never take the same
/// row. Guarantee: at least once for external channels (a hand-over whose job is lost — the worker died, the job was
/// deleted, the commit after the enqueue was lost — is handed over again after the short
/// <see cref="WorkerOptions.RedeliverAfter"/>; <see cref="NotificationDelivery"/> claims before it sends, so a
/// repeated hand-over does not send twice at once); exactly once for the inbox, whose delivery commits with its
/// fan-out.
/// </summary>
[DisallowConcurrentExecution]
public sealed class OutboxSweepJob(NpgsqlDataSource db, IBackgroundJobClient jobs, TimeProvider clock,
    IOptions<WorkerOptions> worker, IOptions<NotificationOptions> notifications, IEnumerable<INotificationChannel> channels,
    ILogger<OutboxSweepJob> logger) : IJob
{
    /// <summary>One firing stops taking new batches after this long, so a huge backlog cannot hold the job for ever;
    /// the next firing carries on.</summary>
    private static readonly TimeSpan MaxRunTime = TimeSpan.FromSeconds(30);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var (inbox, handedOver) = await SweepAsync(cancellationToken);
        // Shown on the schedules page as the last run's result.
        context.Result = $"{inbox} inbox deliveries, {handedOver} handed to Hangfire";
    }

    /// <summary>Runs batches until the outbox is drained (or the firing's time is up); returns the inbox deliveries
    /// made and the external deliveries handed to Hangfire.</summary>
    public async Task<(int InboxDelivered, int HandedOver)> SweepAsync(CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var batch = worker.Value.OutboxBatchSize;
        var (inbox, handedOver) = (0, 0);
        bool more;
        do
        {
            var (fannedOut, delivered) = await FanOutAsync(batch, cancellationToken);
            var claimed = await HandOverAsync(batch, cancellationToken);
            inbox += delivered;
            handedOver += claimed;
            more = fannedOut == batch || claimed == batch;
        }
        while (more && !cancellationToken.IsCancellationRequested && clock.GetElapsedTime(started) < MaxRunTime);

        if (inbox > 0)
        {
            ComplaintTelemetry.Delivered.Add(inbox, ComplaintTelemetry.Tag("channel", InboxChannel.ChannelName));
            WorkerLog.InboxDelivered(logger, inbox);
        }
        if (handedOver > 0)
            WorkerLog.OutboxHandedOver(logger, handedOver);
        return (inbox, handedOver);
    }

    /// <summary>Fans one batch of due notifications out to their channels; returns how many notifications were taken
    /// and how many inbox deliveries were made.</summary>
    private async Task<(int FannedOut, int InboxDelivered)> FanOutAsync(int batch, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var byName = channels.ToDictionary(c => c.Name);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var due = (await connection.QueryAsync<(Guid Id, string HandlerId, string Email)>(new CommandDefinition("""
            SELECT n.id, n.handler_id, h.email FROM notifications n JOIN handlers h ON h.handler_id = n.handler_id
            WHERE n.fanned_out_at IS NULL AND n.deliver_after <= @now
            ORDER BY n.deliver_after
            LIMIT @batch
            FOR UPDATE OF n SKIP LOCKED
            """, new { now, batch }, tx, cancellationToken: ct))).ToList();
        if (due.Count == 0)
            return (0, 0);

        var deliveries = due
            .SelectMany(n => notifications.Value.ChannelsFor(n.HandlerId)
                .Where(name => byName.TryGetValue(name, out var channel) && channel.CanReach(n.Email))
                .Select(name => (n.Id, Channel: name, n.HandlerId)))
            .ToList();
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO notification_deliveries (notification_id, channel, handler_id, created_at, delivered_at, attempts, delivered_seq)
            SELECT d.id, d.channel, d.handler_id, @now,
                   CASE WHEN d.channel = @inbox THEN @now END,
                   CASE WHEN d.channel = @inbox THEN 1 ELSE 0 END,
                   CASE WHEN d.channel = @inbox THEN nextval('inbox_delivery_seq') END
            FROM unnest(@ids, @names, @handlers) AS d (id, channel, handler_id)
            ON CONFLICT DO NOTHING
            """,
            new
            {
                now,
                inbox = InboxChannel.ChannelName,
                ids = deliveries.Select(d => d.Id).ToArray(),
                names = deliveries.Select(d => d.Channel).ToArray(),
                handlers = deliveries.Select(d => d.HandlerId).ToArray(),
            }, tx, cancellationToken: ct));
        var inboxRecipients = deliveries.Where(d => d.Channel == InboxChannel.ChannelName).Select(d => d.HandlerId).Distinct().ToArray();
        // pg_notify is sent at commit: WatchNotifications streams of these handlers wake once the rows are visible.
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE notifications SET fanned_out_at = @now WHERE id = ANY(@ids);
            SELECT pg_notify('notification_delivered', h) FROM unnest(@inboxRecipients) AS h;
            """, new { now, ids = due.Select(n => n.Id).ToArray(), inboxRecipients }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return (due.Count, deliveries.Count(d => d.Channel == InboxChannel.ChannelName));
    }

    /// <summary>Takes one batch of due external deliveries and enqueues one Hangfire job per channel for it.</summary>
    private async Task<int> HandOverAsync(int batch, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var claim = await connection.BeginTransactionAsync(ct);
        var handOver = (await connection.QueryAsync<(Guid NotificationId, string Channel, string? CaseNumber)>(new CommandDefinition("""
            WITH pending AS (
                SELECT notification_id, channel FROM notification_deliveries
                WHERE delivered_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= @now)
                  AND (claimed_until IS NULL OR claimed_until < @now)
                ORDER BY created_at
                LIMIT @batch
                FOR UPDATE SKIP LOCKED),
            handed AS (
                UPDATE notification_deliveries d SET enqueued_at = @now, next_attempt_at = @redeliverAt
                FROM pending p WHERE d.notification_id = p.notification_id AND d.channel = p.channel
                RETURNING d.notification_id, d.channel)
            -- The case numbers only name the job in the dashboard; a notification about no single case has none.
            SELECT h.notification_id, h.channel, c.case_number
            FROM handed h JOIN notifications n ON n.id = h.notification_id LEFT JOIN complaints c ON c.id = n.complaint_id
            """,
            new { now, redeliverAt = now + worker.Value.RedeliverAfter, batch },
            claim, cancellationToken: ct))).ToList();
        foreach (var byChannel in handOver.GroupBy(d => d.Channel))
        {
            var (channel, ids) = (byChannel.Key, byChannel.Select(d => d.NotificationId).ToArray());
            var cases = DeliveryBatchLabel.Of([.. byChannel.Select(d => d.CaseNumber)]);
            jobs.Enqueue<INotificationDeliveryJob>(DeliveryOptions.QueueOf(channel), d => d.DeliverBatchAsync(channel, cases, ids, CancellationToken.None));
        }
        await claim.CommitAsync(ct);
        return handOver.Count;
    }
}
