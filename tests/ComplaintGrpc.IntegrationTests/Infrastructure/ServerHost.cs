using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Server;
using ComplaintGrpc.Server.Security;
using Grpc.Core;
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

    /// <summary>The signing settings this server trusts; tests mint callers' tokens with them.</summary>
    public AuthOptions Auth { get; } = new() { SigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) };

    /// <summary>The test desk: a supervisor and administrator bound to no unit, so it may do anything to any case.</summary>
    public string DeskToken => Token("test-desk", [Roles.Supervisor, Roles.Administrator]);

    public string Token(string subject, IEnumerable<string> roles, string? unit = null, IEnumerable<string>? permissions = null) =>
        DevTokens.Mint(Auth, subject, roles, unit, permissions);

    /// <summary>A channel that sends <paramref name="token"/> as the bearer token on every call (none: anonymous).</summary>
    public GrpcChannel ChannelFor(string? token)
    {
        var options = new GrpcChannelOptions { UnsafeUseInsecureChannelCallCredentials = true };
        if (token is not null)
            options.Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure,
                CallCredentials.FromInterceptor((_, metadata) => { metadata.Add("authorization", $"Bearer {token}"); return Task.CompletedTask; }));
        return GrpcChannel.ForAddress($"http://127.0.0.1:{GrpcPort}", options);
    }

    public ComplaintService.ComplaintServiceClient Complaints => new(Channel);
    public OrganizationService.OrganizationServiceClient Organization => new(Channel);
    public NotificationService.NotificationServiceClient Notifications => new(Channel);

    /// <summary>Extra configuration for a test class's server, applied before the server's own composition reads it.</summary>
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
            ["Auth:SigningKey"] = Auth.SigningKey,
            // Every Sample case is one customer on one feeder: these two warning rules would fire on nearly every case
            // of every class and add a WARNING_RAISED event to histories other tests assert exactly. The intake tests
            // (RepeatAndWarningTests) turn them on.
            ["Intake:Warnings:RepeatCustomer:Enabled"] = "false",
            ["Intake:Warnings:HotspotArea:Enabled"] = "false",
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        Configure(builder);
        builder.AddComplaintServer();

        _app = builder.Build();
        _app.MapComplaintServer();
        await _app.StartAsync();
        // Hangfire's log provider is process-wide, and AddHangfire points it at the logger factory of whichever host
        // resolved its configuration last. Once that host is disposed, every other host's Hangfire call in this
        // process (a report run enqueuing its job) failed with "LoggerFactory disposed": the role matrix's setup did
        // when another class's server stopped at the wrong moment, failing all of its ~800 cases at once. Test hosts
        // point it, after their own resolution, at a factory that is never disposed.
        _app.Services.GetRequiredService<Hangfire.IGlobalConfiguration>();
        Hangfire.Logging.LogProvider.SetCurrentLogProvider(
            new Hangfire.AspNetCore.AspNetCoreLogProvider(Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance));
        Channel = ChannelFor(DeskToken);
    }

    public virtual async Task DisposeAsync()
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
