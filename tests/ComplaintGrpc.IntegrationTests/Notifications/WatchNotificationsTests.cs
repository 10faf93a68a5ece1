using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Grpc.Core;

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
    public async Task Watching_needs_exactly_one_of_handler_or_unit()
    {
        using var call = host.Notifications.WatchNotifications(new WatchNotificationsRequest { HandlerId = "h1", UnitId = "u1" });
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("handler_id", Sample.BadFields(e));
    }
}
