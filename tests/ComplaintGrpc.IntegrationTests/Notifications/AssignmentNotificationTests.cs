using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Worker.Notifications;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;

namespace ComplaintGrpc.IntegrationTests.Notifications;

public sealed class AssignmentNotificationTests(ServerHost host) : IClassFixture<ServerHost>
{
    private async Task<(Sample.Org Org, Complaint Case)> AssignAsync()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        return (org, await new CaseSteps(host.Complaints, org).AssignedAsync());
    }

    private async Task<ListNotificationsResponse> InboxAsync(string handlerId) =>
        await host.Notifications.ListNotificationsAsync(new ListNotificationsRequest { HandlerId = handlerId });

    [Fact]
    public async Task The_worker_process_delivers_the_assignment_notification_to_the_handlers_inbox()
    {
        var (org, assigned) = await AssignAsync();

        // Stored in the outbox with the assignment, but nobody has delivered it yet.
        await using (var c = await host.Database.OpenConnectionAsync())
            Assert.Equal(1, await c.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM notifications WHERE complaint_id = @id::uuid AND fanned_out_at IS NULL", new { id = assigned.Id }));
        Assert.Empty((await InboxAsync(org.Handler)).Notifications);

        await using var worker = WorkerProcess.Start(host.ConnectionString);
        var inbox = await Poll.UntilAsync(() => InboxAsync(org.Handler), r => r.Notifications.Count > 0, TimeSpan.FromSeconds(60),
            "the worker to deliver the notification; worker output:\n" + worker.Output);

        var n = Assert.Single(inbox.Notifications);
        Assert.Equal((NotificationKind.CaseAssigned, assigned.Id, assigned.CaseNumber, org.Handler), (n.Kind, n.ComplaintId, n.CaseNumber, n.HandlerId));
        Assert.Contains(assigned.CaseNumber, n.Text);
        Assert.DoesNotContain("13800138000", n.Text);
        Assert.NotNull(n.DeliveredTime);
        Assert.False(worker.HasExited, worker.Output);
        // The inbox is delivered by the outbox sweep itself, in the fan-out's transaction: no Hangfire job for it.
        await using var db = await host.Database.OpenConnectionAsync();
        Assert.Equal(0, await db.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM hangfire.job WHERE invocationdata::text LIKE '%NotificationDelivery%'"));
    }

    [Fact]
    public async Task Delivering_the_same_notification_twice_delivers_it_once()
    {
        var (org, assigned) = await AssignAsync();
        await using var c = await host.Database.OpenConnectionAsync();
        var id = await c.ExecuteScalarAsync<Guid>("SELECT id FROM notifications WHERE complaint_id = @id::uuid", new { id = assigned.Id });
        await c.ExecuteAsync("INSERT INTO notification_deliveries (notification_id, channel, handler_id, created_at) VALUES (@id, 'Inbox', @handler, now())",
            new { id, handler = org.Handler });
        var delivery = new NotificationDelivery(host.Database, TimeProvider.System, [new InboxChannel()], Microsoft.Extensions.Options.Options.Create(new DeliveryOptions()), NullLogger<NotificationDelivery>.Instance);

        await delivery.DeliverAsync(id, InboxChannel.ChannelName, CancellationToken.None);
        const string deliveredAt = "SELECT delivered_at FROM notification_deliveries WHERE notification_id = @id AND channel = 'Inbox'";
        var firstDeliveredAt = await c.ExecuteScalarAsync<DateTime>(deliveredAt, new { id });
        await delivery.DeliverAsync(id, InboxChannel.ChannelName, CancellationToken.None);

        Assert.Equal(firstDeliveredAt, await c.ExecuteScalarAsync<DateTime>(deliveredAt, new { id }));
        Assert.Equal(1, await c.ExecuteScalarAsync<int>("SELECT attempts FROM notification_deliveries WHERE notification_id = @id", new { id }));
        Assert.Single((await InboxAsync(org.Handler)).Notifications);
    }

    [Fact]
    public async Task Each_assignment_makes_its_own_notification_and_reassignment_notifies_the_new_handler()
    {
        var (org, assigned) = await AssignAsync();
        var other = Sample.Id("h3");
        await host.Organization.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = other, UnitId = org.Station, Name = "孙丽" } });
        await host.Complaints.AssignHandlerAsync(new AssignHandlerRequest { Id = assigned.Id, Etag = assigned.Etag, HandlerId = other });

        await using var c = await host.Database.OpenConnectionAsync();
        var recipients = (await c.QueryAsync<string>(
            "SELECT handler_id FROM notifications WHERE complaint_id = @id::uuid ORDER BY created_at", new { id = assigned.Id })).ToList();
        Assert.Equal([org.Handler, other], recipients);
    }
}
