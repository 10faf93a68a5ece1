using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Worker.Notifications;
using Dapper;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace ComplaintGrpc.IntegrationTests.Notifications;

public sealed class WatchNotificationsTests(ServerHost host) : IClassFixture<ServerHost>
{
    private static async Task<Notification> NextAsync(IAsyncStreamReader<Notification> stream, WorkerProcess worker)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Assert.True(await stream.MoveNext(timeout.Token), "the stream ended; worker output:\n" + worker.Output);
        return stream.Current;
    }

    [Fact]
    public async Task A_desk_app_sees_deliveries_live_by_handler_and_by_unit_and_resumes_after_the_last_id_it_saw()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        using var byHandler = host.Notifications.WatchNotifications(new WatchNotificationsRequest { HandlerId = org.Handler });
        using var byUnit = host.Notifications.WatchNotifications(new WatchNotificationsRequest { UnitId = org.Station });
        await using var worker = WorkerProcess.Start(host.ConnectionString);

        var steps = new CaseSteps(host.Complaints, org);
        var first = await steps.AssignedAsync();
        var seen = await NextAsync(byHandler.ResponseStream, worker);
        Assert.Equal((first.Id, NotificationKind.CaseAssigned), (seen.ComplaintId, seen.Kind));
        Assert.Equal(first.Id, (await NextAsync(byUnit.ResponseStream, worker)).ComplaintId);

        var second = await steps.AssignedAsync();
        Assert.Equal(second.Id, (await NextAsync(byHandler.ResponseStream, worker)).ComplaintId);

        // Reconnecting after the first notification replays exactly what came after it.
        using var resumed = host.Notifications.WatchNotifications(new WatchNotificationsRequest { HandlerId = org.Handler, AfterNotificationId = seen.NotificationId });
        Assert.Equal(second.Id, (await NextAsync(resumed.ResponseStream, worker)).ComplaintId);
    }

    [Fact]
    public async Task A_notification_raised_earlier_but_delivered_later_is_still_streamed()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var steps = new CaseSteps(host.Complaints, org);
        var seen = await steps.AssignedAsync();
        var earlier = await steps.AssignedAsync();
        var later = await steps.AssignedAsync();
        async Task<Guid> NotificationOf(string complaintId)
        {
            await using var c = await host.Database.OpenConnectionAsync();
            var id = await c.ExecuteScalarAsync<Guid>("SELECT id FROM notifications WHERE complaint_id = @complaintId::uuid", new { complaintId });
            await c.ExecuteAsync("INSERT INTO notification_deliveries (notification_id, channel, handler_id, created_at) VALUES (@id, 'Inbox', @handler, now())",
                new { id, handler = org.Handler });
            return id;
        }
        var (zeroth, first, second) = (await NotificationOf(seen.Id), await NotificationOf(earlier.Id), await NotificationOf(later.Id));
        var delivery = new NotificationDelivery(host.Database, TimeProvider.System, [new InboxChannel()], Microsoft.Extensions.Options.Options.Create(new DeliveryOptions()), NullLogger<NotificationDelivery>.Instance);
        await delivery.DeliverAsync(zeroth, InboxChannel.ChannelName, CancellationToken.None);
        // The desk app last saw the zeroth notification.
        using var watch = host.Notifications.WatchNotifications(new WatchNotificationsRequest { HandlerId = org.Handler, AfterNotificationId = zeroth.ToString() });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // The one raised later reaches the inbox first (the other was held, say through quiet hours).
        await delivery.DeliverAsync(second, InboxChannel.ChannelName, CancellationToken.None);
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal(later.Id, watch.ResponseStream.Current.ComplaintId);
        await delivery.DeliverAsync(first, InboxChannel.ChannelName, CancellationToken.None);
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal(earlier.Id, watch.ResponseStream.Current.ComplaintId);
    }

    [Fact]
    public async Task Watching_needs_exactly_one_of_handler_or_unit()
    {
        using var call = host.Notifications.WatchNotifications(new WatchNotificationsRequest { HandlerId = "h1", UnitId = "u1" });
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("handler_id", Sample.BadFields(e));
    }
}
