using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Worker.Notifications;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ComplaintGrpc.IntegrationTests.Notifications;

/// <summary>
/// The worker's notification channels as the worker composes them (<see cref="NotificationChannelRegistration"/>),
/// from the given settings, without Hangfire, Quartz or a database; starting it runs the ValidateOnStart checks.
/// </summary>
internal sealed class ChannelHost : IAsyncDisposable
{
    private readonly IHost _host;

    private ChannelHost(IHost host)
    {
        _host = host;
    }

    public IServiceProvider Services => _host.Services;

    public IReadOnlyList<INotificationChannel> Channels => _host.Services.GetServices<INotificationChannel>().ToList();

    public INotificationChannel Channel(string name) => Channels.Single(c => c.Name == name);

    /// <summary>The job Hangfire would run, with this host's channels, against the test database.</summary>
    public NotificationDelivery Delivery(NpgsqlDataSource db) =>
        new(db, TimeProvider.System, Channels, Microsoft.Extensions.Options.Options.Create(new DeliveryOptions()), NullLogger<NotificationDelivery>.Instance);

    public static async Task<ChannelHost> StartAsync(IDictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddNotificationChannels();
        var host = builder.Build();
        try
        {
            await host.StartAsync();
        }
        catch
        {
            host.Dispose();
            throw;
        }
        return new ChannelHost(host);
    }

    /// <summary>An assigned case whose notification has a pending delivery on <paramref name="channel"/> only. The
    /// notification is marked fanned out, so a worker process started by another test leaves it alone.</summary>
    public static async Task<(Sample.Org Org, Contracts.V1.Complaint Case, Guid NotificationId)> AssignedWithDeliveryAsync(ServerHost server, string channel)
    {
        var org = await Sample.OrganizationAsync(server.Organization);
        var assigned = await new CaseSteps(server.Complaints, org).AssignedAsync();
        await using var c = await server.Database.OpenConnectionAsync();
        var id = await c.ExecuteScalarAsync<Guid>("""
            UPDATE notifications SET fanned_out_at = now() WHERE complaint_id = @id::uuid RETURNING id
            """, new { id = assigned.Id });
        await c.ExecuteAsync("""
            INSERT INTO notification_deliveries (notification_id, channel, handler_id, created_at) VALUES (@id, @channel, @handler, now())
            """, new { id, channel, handler = org.Handler });
        return (org, assigned, id);
    }

    public static async Task<(DateTime? DeliveredAt, int Attempts, string? LastError)> DeliveryRowAsync(ServerHost server, Guid notificationId, string channel)
    {
        await using var c = await server.Database.OpenConnectionAsync();
        return await c.QuerySingleAsync<(DateTime?, int, string?)>(
            "SELECT delivered_at, attempts, last_error FROM notification_deliveries WHERE notification_id = @notificationId AND channel = @channel",
            new { notificationId, channel });
    }

    /// <summary>A message as NotificationDelivery builds it, for channel tests that need no database.</summary>
    public static NotificationMessage Message(string email = "lina@example.test") => new(
        Guid.CreateVersion7(), "h-1", "李娜", email, "Reminder", Guid.CreateVersion7(), "CP20260101000042", "138****8000",
        "Case CP20260101000042 is due for first contact within 2 hours.", DateTimeOffset.UtcNow);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
