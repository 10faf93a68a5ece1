using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Server;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ComplaintGrpc.IntegrationTests.Infrastructure;

/// <summary>
/// The real gRPC server (the same composition as its Program.cs) on Kestrel, on free loopback ports, over its own
/// fresh database; tests talk to it over a real HTTP/2 channel. One per test class (xUnit class fixture).
/// </summary>
public class ServerHost : IAsyncLifetime
{
    private WebApplication? _app;

    public string ConnectionString { get; private set; } = "";
    public int GrpcPort { get; } = FreePort.Next();
    public int AdminPort { get; } = FreePort.Next();
    public GrpcChannel Channel { get; private set; } = null!;
    public CapturedLogs Logs { get; } = new();
    public NpgsqlDataSource Database { get; private set; } = null!;

    public ComplaintService.ComplaintServiceClient Complaints => new(Channel);
    public OrganizationService.OrganizationServiceClient Organization => new(Channel);
    public NotificationService.NotificationServiceClient Notifications => new(Channel);

    /// <summary>Extra configuration or service overrides for a test class's server.</summary>
    protected virtual void Configure(WebApplicationBuilder builder)
    {
    }

    public async Task InitializeAsync()
    {
        ConnectionString = await TestDatabase.CreateAsync();
        Database = NpgsqlDataSource.Create(ConnectionString);

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Complaints"] = ConnectionString,
            ["Server:GrpcPort"] = GrpcPort.ToString(),
            ["Server:AdminPort"] = AdminPort.ToString(),
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        builder.AddComplaintServer();
        Configure(builder);

        _app = builder.Build();
        _app.MapComplaintServer();
        await _app.StartAsync();
        Channel = GrpcChannel.ForAddress($"http://127.0.0.1:{GrpcPort}");
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (Database is not null)
            await Database.DisposeAsync();
    }
}
