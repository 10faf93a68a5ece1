using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Worker;
using ComplaintGrpc.Worker.Notifications;
using Dapper;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ComplaintGrpc.IntegrationTests.Notifications;

/// <summary>
/// When the outbox sweep hands an external delivery to Hangfire (issue 12, items 2 and 3), on a fake clock: on the
/// channel's own queue; not again while its hand-over lease or a live claim runs, at once when either lapses; after a
/// failed attempt only when its back-off has passed, the back-off doubling per failure.
/// </summary>
public sealed class DeliveryHandOverTests(ServerHost host) : IClassFixture<ServerHost>
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly CapturingJobs _jobs = new();

    private Task<(int InboxDelivered, int HandedOver)> SweepAsync() =>
        new OutboxSweepJob(host.Database, _jobs, _clock, Options.Create(new WorkerOptions()), Options.Create(new NotificationOptions()),
            [new InboxChannel()], NullLogger<OutboxSweepJob>.Instance).SweepAsync(CancellationToken.None);

    /// <summary>How many times the delivery of this notification has been handed over so far, and on which queues.</summary>
    private List<string> HandedOver(Guid id) => [.. _jobs.Enqueued.Where(j => j.Ids.Contains(id)).Select(j => j.Queue)];

    [Fact]
    public async Task A_delivery_goes_to_its_channels_queue_and_is_handed_over_again_only_when_its_lease_lapses()
    {
        var (_, _, id) = await ChannelHost.AssignedWithDeliveryAsync(host, WebhookChannel.ChannelName);

        await SweepAsync();
        await SweepAsync();
        Assert.Equal(["deliveries_webhook"], HandedOver(id));

        _clock.Advance(new WorkerOptions().RedeliverAfter - TimeSpan.FromSeconds(1));
        await SweepAsync();
        Assert.Single(HandedOver(id));

        // No job claimed it within the lease (its worker died before it ran): due again.
        _clock.Advance(TimeSpan.FromSeconds(2));
        await SweepAsync();
        Assert.Equal(2, HandedOver(id).Count);
    }

    [Fact]
    public async Task A_claimed_delivery_is_not_handed_over_while_the_claim_runs_and_is_at_once_when_it_lapses()
    {
        var (_, _, id) = await ChannelHost.AssignedWithDeliveryAsync(host, WebhookChannel.ChannelName);
        var lease = new DeliveryOptions().ClaimLease;
        await using (var c = await host.Database.OpenConnectionAsync())
            await c.ExecuteAsync("""
                UPDATE notification_deliveries SET claim_id = gen_random_uuid(), claimed_until = @until, next_attempt_at = @until
                WHERE notification_id = @id
                """, new { id, until = _clock.GetUtcNow().UtcDateTime + lease });

        _clock.Advance(lease - TimeSpan.FromSeconds(1));
        await SweepAsync();
        Assert.Empty(HandedOver(id));

        _clock.Advance(TimeSpan.FromSeconds(2));
        await SweepAsync();
        Assert.Single(HandedOver(id));
    }

    [Fact]
    public async Task A_failed_delivery_waits_out_its_back_off_which_doubles_with_each_failure()
    {
        var (_, _, id) = await ChannelHost.AssignedWithDeliveryAsync(host, WebhookChannel.ChannelName);
        var options = new DeliveryOptions();
        var delivery = new NotificationDelivery(host.Database, _clock, [new FailingChannel()], Options.Create(options),
            NullLogger<NotificationDelivery>.Instance);

        foreach (var backOff in new[] { options.RetryDelay, options.RetryDelay * 2 })
        {
            var before = HandedOver(id).Count;
            await Assert.ThrowsAsync<HttpRequestException>(() => delivery.DeliverAsync(id, WebhookChannel.ChannelName, CancellationToken.None));

            _clock.Advance(backOff - TimeSpan.FromSeconds(1));
            await SweepAsync();
            Assert.Equal(before, HandedOver(id).Count);

            _clock.Advance(TimeSpan.FromSeconds(2));
            await SweepAsync();
            Assert.Equal(before + 1, HandedOver(id).Count);
        }
        var (deliveredAt, attempts, lastError) = await ChannelHost.DeliveryRowAsync(host, id, WebhookChannel.ChannelName);
        Assert.Equal((false, 2, "the endpoint is down"), (deliveredAt.HasValue, attempts, lastError));
    }

    private sealed class FailingChannel : INotificationChannel
    {
        public string Name => WebhookChannel.ChannelName;

        public bool CanReach(string handlerEmail) => true;

        public Task SendAsync(NotificationMessage message, CancellationToken cancellationToken) =>
            throw new HttpRequestException("the endpoint is down");
    }

    /// <summary>Keeps what the sweep enqueued (queue and notification ids) instead of running it.</summary>
    private sealed class CapturingJobs : IBackgroundJobClient
    {
        private readonly List<(string Queue, Guid[] Ids)> _enqueued = [];

        public IReadOnlyList<(string Queue, Guid[] Ids)> Enqueued
        {
            get { lock (_enqueued) return [.. _enqueued]; }
        }

        public string Create(Hangfire.Common.Job job, IState state)
        {
            lock (_enqueued)
                _enqueued.Add((job.Queue ?? (state as EnqueuedState)?.Queue ?? EnqueuedState.DefaultQueue, (Guid[])job.Args[2]));
            return Guid.NewGuid().ToString();
        }

        public bool ChangeState(string jobId, IState state, string expectedState) => throw new NotSupportedException();
    }
}
