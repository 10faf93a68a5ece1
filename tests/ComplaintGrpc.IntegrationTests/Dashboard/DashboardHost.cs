using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Dashboard;
using ComplaintGrpc.Worker.Calendar;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;

namespace ComplaintGrpc.IntegrationTests.Dashboard;

/// <summary>The real server with two dashboard accounts, <c>admin-ann</c> (admin) and <c>viewer-vic</c> (viewer), whose
/// random passwords are hashed here with ASP.NET Core Identity's PasswordHasher, as an operator would.</summary>
public class DashboardHost : ServerHost
{
    public const string AdminUser = "admin-ann";
    public const string ViewerUser = "viewer-vic";

    public string AdminPassword { get; } = "adm-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
    public string ViewerPassword { get; } = "vw-" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));

    public Uri AdminBase => new($"http://127.0.0.1:{AdminPort}");

    protected override void Configure(WebApplicationBuilder builder)
    {
        var hasher = new PasswordHasher<DashboardAccount>();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Dashboard:Accounts:0:UserName"] = AdminUser,
            ["Dashboard:Accounts:0:PasswordHash"] = hasher.HashPassword(new DashboardAccount(), AdminPassword),
            ["Dashboard:Accounts:0:Role"] = DashboardRoles.Admin,
            ["Dashboard:Accounts:1:UserName"] = ViewerUser,
            ["Dashboard:Accounts:1:PasswordHash"] = hasher.HashPassword(new DashboardAccount(), ViewerPassword),
            ["Dashboard:Accounts:1:Role"] = DashboardRoles.Viewer,
        });
    }

    /// <summary>Hangfire's storage in this host's database, set up as the hosts set it up, to look at jobs from the test.</summary>
    public JobStorage JobStorage() => new PostgreSqlStorage(
        new NpgsqlConnectionFactory(ConnectionString, new PostgreSqlStorageOptions()),
        new PostgreSqlStorageOptions { SchemaName = "hangfire", PrepareSchemaIfNecessary = true });
}

/// <summary><see cref="DashboardHost"/> plus the real worker process, which registers and runs the
/// <c>calendar-coverage</c> recurring job and delivers notifications to a webhook receiver as well as the inbox (so
/// that delivery jobs run in Hangfire). Ready once the worker has registered the recurring job.</summary>
public sealed class DashboardWithWorker : DashboardHost, IAsyncLifetime
{
    public WorkerProcess Worker { get; private set; } = null!;

    public WebhookReceiver Webhook { get; private set; } = null!;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        Webhook = await WebhookReceiver.StartAsync();
        Worker = WorkerProcess.Start(ConnectionString, new Dictionary<string, string>
        {
            ["Notifications__DefaultChannels__0"] = "Inbox",
            ["Notifications__DefaultChannels__1"] = "Webhook",
            ["Notifications__Webhook__Url"] = Webhook.Url,
            ["Notifications__Webhook__Secret"] = "whsec-dashboard-0123456789abcdef0123456789abcdef",
        });
        var storage = JobStorage();
        await Poll.UntilAsync(() => Task.FromResult(Worker.HasExited || RecurringJob(storage) is not null), done => done,
            TimeSpan.FromSeconds(30), "the worker to register the calendar-coverage recurring job");
        if (Worker.HasExited)
            throw new InvalidOperationException($"The worker exited during start-up:\n{Worker.Output}");
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (Worker is not null)
            await Worker.DisposeAsync();
        if (Webhook is not null)
            await Webhook.DisposeAsync();
        await DisposeAsync();
    }

    public static RecurringJobDto? RecurringJob(JobStorage storage)
    {
        using var connection = storage.GetConnection();
        return connection.GetRecurringJobs([CalendarCoverageCheck.JobId]).SingleOrDefault(j => j.Job is not null);
    }
}
