using System.ComponentModel.DataAnnotations;
using ComplaintGrpc.Domain.Intake;
using ComplaintGrpc.Storage;
using ComplaintGrpc.Storage.Telemetry;
using ComplaintGrpc.Storage.Jobs;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ComplaintGrpc.Worker.Notifications;

/// <summary>Bound from <c>Notifications:Delivery:*</c>: how external deliveries (webhook, e-mail) are run.</summary>
public sealed class DeliveryOptions
{
    public const string Section = "Notifications:Delivery";

    /// <summary>Hangfire workers per external channel. Each channel has its own Hangfire queue and workers, apart from
    /// the <c>default</c> queue's (<see cref="WorkerOptions.HangfireWorkerCount"/>), so a slow endpoint holds up only
    /// its own channel.</summary>
    [Range(1, 50)]
    public int WorkerCount { get; set; } = 2;

    /// <summary>Time limit for one delivery, in-job retries included; a delivery that runs out is a failed attempt. The
    /// default leaves room for the webhook's default 3 attempts of 10 s and their back-off.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(40);

    /// <summary>A job starts no new delivery after this long; what it has not sent is left for the next hand-over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan JobBudget { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Wait before the next attempt after a failed one; it doubles with each failure up to <see cref="RetryDelayMax"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RetryDelayMax { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a job's claim on its deliveries lasts: the budget plus one delivery's time limit, so a claim
    /// outlives the job that holds it, and a crashed job's deliveries are free again within this long.</summary>
    public TimeSpan ClaimLease => JobBudget + Timeout;

    /// <summary>The Hangfire queue of a channel's deliveries.</summary>
    public static string QueueOf(string channel) => "deliveries_" + channel.ToLowerInvariant();
}

/// <summary>
/// Delivers the notifications handed over by one outbox sweep over one channel (one Hangfire job per batch and
/// channel, on that channel's own queue). Three short steps, none holding a transaction while sending:
/// 1. claim the undelivered deliveries not claimed by a live attempt, for <see cref="DeliveryOptions.ClaimLease"/>;
/// 2. send each, outside any transaction, within <see cref="DeliveryOptions.Timeout"/>, and stop starting new ones
///    after <see cref="DeliveryOptions.JobBudget"/> (the rest is released for the next hand-over, not lost);
/// 3. record each outcome in its own statement, and only while the claim is still this attempt's.
/// Guarantee: at least once. A crash between sending and recording sends again once the claim has lapsed; receivers
/// deduplicate on the notification id, which every channel carries. Two attempts never send one delivery at once
/// while both are within their lease. Failures are retried by the outbox sweep with a growing back-off
/// (<c>next_attempt_at</c>), not by Hangfire, so retries never pile up as jobs; the job still fails, naming each
/// failure, so that the attempt shows as failed in the dashboard.
/// </summary>
public sealed class NotificationDelivery(NpgsqlDataSource db, TimeProvider clock, IEnumerable<INotificationChannel> channels,
    IOptions<DeliveryOptions> options, ILogger<NotificationDelivery> logger) : INotificationDeliveryJob
{
    public async Task DeliverBatchAsync(string channel, string cases, Guid[] notificationIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notificationIds);
        var failures = await DeliverAsync(notificationIds, channel, cancellationToken);
        if (failures.Count > 0)
            throw new AggregateException($"{failures.Count} of {notificationIds.Length} {channel} deliveries failed ({cases}); the outbox sweep hands them over again after a back-off.", failures);
    }

    /// <summary>Delivers one notification over one channel; throws the channel's failure.</summary>
    public async Task DeliverAsync(Guid notificationId, string channel, CancellationToken cancellationToken)
    {
        var failures = await DeliverAsync([notificationId], channel, cancellationToken);
        if (failures.Count > 0)
            throw failures[0];
    }

    private async Task<List<Exception>> DeliverAsync(Guid[] notificationIds, string channel, CancellationToken cancellationToken)
    {
        var sender = channels.SingleOrDefault(c => c.Name == channel)
            ?? throw new InvalidOperationException($"No notification channel named {channel} is configured in this worker.");
        var o = options.Value;
        var started = clock.GetTimestamp();
        var attempt = Guid.CreateVersion7(clock.GetUtcNow());
        var claimed = await ClaimAsync(notificationIds, channel, attempt, o.ClaimLease, cancellationToken);
        if (claimed.Count < notificationIds.Length)
            DeliveryLog.DeliveriesNotClaimed(logger, notificationIds.Length - claimed.Count, notificationIds.Length, channel);

        var failures = new List<Exception>();
        for (var i = 0; i < claimed.Count; i++)
        {
            if (clock.GetElapsedTime(started) >= o.JobBudget)
            {
                var left = claimed.Skip(i).Select(m => m.NotificationId).ToArray();
                await ReleaseAsync(left, channel, attempt, cancellationToken);
                DeliveryLog.DeliveryBudgetSpent(logger, left.Length, channel, o.JobBudget);
                break;
            }

            var message = claimed[i];
            using var caseScope = CaseLogScope.Begin(logger, message.CaseNumber ?? "");
            try
            {
                using var timeout = new CancellationTokenSource(o.Timeout, clock);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                try
                {
                    await sender.SendAsync(message.ToMessage(), linked.Token);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"The {channel} delivery did not complete within {o.Timeout} (Notifications:Delivery:Timeout).");
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                failures.Add(ex);
                await RecordFailureAsync(message.NotificationId, channel, attempt, ex.Message, cancellationToken);
                continue;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Shutting down: what was not started is free for the next hand-over at once; the one in flight keeps
                // its claim until it lapses, since whether it reached the receiver is unknown.
                await ReleaseAsync([.. claimed.Skip(i + 1).Select(m => m.NotificationId)], channel, attempt, CancellationToken.None);
                throw;
            }
            await RecordDeliveredAsync(message, channel, attempt, cancellationToken);
        }
        return failures;
    }

    /// <summary>Claims, in one statement, the deliveries of these notifications over this channel that are undelivered
    /// and not claimed by an attempt whose lease still runs; returns their messages.</summary>
    private async Task<List<MessageRow>> ClaimAsync(Guid[] ids, string channel, Guid attempt, TimeSpan lease, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var connection = await db.OpenConnectionAsync(ct);
        // A notification need not be about one case (complaint_id may be null): the case is joined when there is one.
        return [.. await connection.QueryAsync<MessageRow>(new CommandDefinition("""
            WITH free AS (
                SELECT notification_id, channel FROM notification_deliveries
                WHERE notification_id = ANY(@ids) AND channel = @channel AND delivered_at IS NULL
                  AND (claimed_until IS NULL OR claimed_until < @now)
                FOR UPDATE SKIP LOCKED),
            claimed AS (
                -- next_attempt_at too: should the attempt die, the delivery is due again the moment its claim lapses.
                UPDATE notification_deliveries d SET claim_id = @attempt, claimed_until = @until, next_attempt_at = @until
                FROM free f WHERE d.notification_id = f.notification_id AND d.channel = f.channel
                RETURNING d.notification_id)
            SELECT n.id AS notification_id, n.handler_id, h.name AS handler_name, h.email AS handler_email, n.kind,
                   n.complaint_id, c.case_number, c.customer_phone, n.text, n.created_at
            FROM claimed
            JOIN notifications n ON n.id = claimed.notification_id
            JOIN handlers h ON h.handler_id = n.handler_id
            LEFT JOIN complaints c ON c.id = n.complaint_id
            ORDER BY n.created_at
            """, new { ids, channel, attempt, now, until = now + lease }, cancellationToken: ct))];
    }

    private async Task RecordDeliveredAsync(MessageRow message, string channel, Guid attempt, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var marked = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE notification_deliveries SET delivered_at = @now, attempts = attempts + 1, last_error = NULL,
                delivered_seq = nextval('inbox_delivery_seq'), claim_id = NULL, claimed_until = NULL
            WHERE notification_id = @notificationId AND channel = @channel AND claim_id = @attempt AND delivered_at IS NULL
            """, new { notificationId = message.NotificationId, channel, attempt, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: ct));
        if (marked == 1)
        {
            // Wakes WatchNotifications streams in the server, now that the row is visible.
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_notify('notification_delivered', @handlerId)",
                new { handlerId = message.HandlerId }, cancellationToken: ct));
            ComplaintTelemetry.Delivered.Add(1, ComplaintTelemetry.Tag("channel", channel));
            WorkerLog.NotificationDelivered(logger, message.NotificationId, channel, message.HandlerId);
        }
        else
            DeliveryLog.DeliveryClaimLost(logger, message.NotificationId, channel);
    }

    private async Task RecordFailureAsync(Guid notificationId, string channel, Guid attempt, string error, CancellationToken ct)
    {
        var o = options.Value;
        await using var connection = await db.OpenConnectionAsync(ct);
        // The back-off doubles with each failed attempt (attempts before this one), capped.
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE notification_deliveries SET attempts = attempts + 1, last_error = @error, claim_id = NULL, claimed_until = NULL,
                next_attempt_at = @now + make_interval(secs => LEAST(@retrySeconds * power(2, LEAST(attempts, 30)), @maxSeconds))
            WHERE notification_id = @notificationId AND channel = @channel AND claim_id = @attempt AND delivered_at IS NULL
            """, new
            {
                notificationId, channel, attempt, error, now = clock.GetUtcNow().UtcDateTime,
                retrySeconds = o.RetryDelay.TotalSeconds, maxSeconds = o.RetryDelayMax.TotalSeconds,
            }, cancellationToken: ct));
        ComplaintTelemetry.DeliveryFailed.Add(1, ComplaintTelemetry.Tag("channel", channel));
        DeliveryLog.DeliveryFailed(logger, notificationId, channel, error);
    }

    /// <summary>Gives back deliveries this attempt claimed but did not start: the next sweep hands them over again.</summary>
    private async Task ReleaseAsync(Guid[] ids, string channel, Guid attempt, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE notification_deliveries SET claim_id = NULL, claimed_until = NULL, next_attempt_at = NULL
            WHERE notification_id = ANY(@ids) AND channel = @channel AND claim_id = @attempt AND delivered_at IS NULL
            """, new { ids, channel, attempt }, cancellationToken: ct));
    }

    private sealed class MessageRow
    {
        public Guid NotificationId { get; init; }
        public string HandlerId { get; init; } = "";
        public string HandlerName { get; init; } = "";
        public string HandlerEmail { get; init; } = "";
        public string Kind { get; init; } = "";
        public Guid? ComplaintId { get; init; }
        public string? CaseNumber { get; init; }
        public string? CustomerPhone { get; init; }
        public string Text { get; init; } = "";
        public DateTime CreatedAt { get; init; }

        public NotificationMessage ToMessage() => new(NotificationId, HandlerId, HandlerName, HandlerEmail, Kind, ComplaintId,
            CaseNumber ?? "", CustomerPhone is { } phone ? ComplaintIntake.MaskPhone(phone) : "", Text, CreatedAt.AsUtc());
    }
}
