using System.Diagnostics;
using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Dapper;
using Grpc.Core;
using Npgsql;
using Xunit.Abstractions;

namespace ComplaintGrpc.IntegrationTests.Faults;

/// <summary>
/// A short soak: a minute of steady mixed load (submit, read, list, the inbox) on a server and a worker process. Every
/// call succeeds, and what leaks shows as growth: resident memory of both processes stays within bounds and does not
/// keep climbing, the database connections they hold stay within their pools, and Hangfire's lock rows do not pile up.
/// </summary>
[Trait("Suite", "Faults")]
[Collection(FaultSuite.Name)]
public sealed class SoakTests(ITestOutputHelper output)
{
    private static readonly TimeSpan SoakLength = TimeSpan.FromSeconds(60);
    private const long MaxRssBytes = 400L * 1024 * 1024;
    private const int MaxConnections = 60;
    private const int MaxHangfireLocks = 10;

    private sealed record Sample(TimeSpan At, long ServerRss, long WorkerRss, long Connections, long HangfireLocks);

    [Fact]
    public async Task A_minute_of_steady_load_keeps_memory_connections_and_hangfire_locks_bounded()
    {
        var database = await TestDatabase.CreateAsync();
        await using var server = new RestartableServer(database);
        await server.StartAsync();
        await using var worker = HostProcess.Start(HostProcess.Worker, HostProcess.WorkerSettings(database));
        using var channel = RestartableServer.Channel(server.GrpcPort, server.DeskToken);
        var complaints = new ComplaintService.ComplaintServiceClient(channel);
        var notifications = new NotificationService.NotificationServiceClient(channel);
        var units = await Infrastructure.Sample.OrganizationAsync(new OrganizationService.OrganizationServiceClient(channel));

        var calls = 0L;
        var clock = Stopwatch.StartNew();
        var load = Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < SoakLength)
            {
                // Every call has a deadline: a call that never returns fails the soak with what the hosts logged,
                // instead of holding the whole test run until its hang timeout.
                var c = await complaints.SubmitComplaintAsync(Infrastructure.Sample.Complaint(), deadline: Deadline());
                c = await complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = units.Station }, deadline: Deadline());
                c = await complaints.AssignHandlerAsync(new AssignHandlerRequest { Id = c.Id, Etag = c.Etag, HandlerId = units.Handler }, deadline: Deadline());
                await complaints.GetComplaintAsync(new GetComplaintRequest { Id = c.Id }, deadline: Deadline());
                await complaints.ListComplaintsAsync(new ListComplaintsRequest { PageSize = 20 }, deadline: Deadline());
                await notifications.ListNotificationsAsync(new ListNotificationsRequest { HandlerId = units.Handler, PageSize = 20 }, deadline: Deadline());
                Interlocked.Add(ref calls, 6);
            }
        })));

        var samples = new List<Sample>();
        await using var admin = new NpgsqlConnection(database);
        while (!load.IsCompleted)
        {
            samples.Add(new Sample(clock.Elapsed, Rss(server.Current.Id), Rss(worker.Id),
                await admin.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"),
                await admin.ExecuteScalarAsync<long>("SELECT count(*) FROM hangfire.lock")));
            await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(5)));
        }
        try
        {
            await load;
        }
        catch (RpcException e)
        {
            Assert.Fail($"A call failed under steady load: {e.Status}{Environment.NewLine}{server.Output}{Environment.NewLine}{worker.Output}");
        }

        foreach (var s in samples)
            output.WriteLine($"{s.At.TotalSeconds,5:F0} s  server {s.ServerRss / 1048576} MB  worker {s.WorkerRss / 1048576} MB  connections {s.Connections}  hangfire locks {s.HangfireLocks}");
        output.WriteLine($"{Interlocked.Read(ref calls)} calls in {clock.Elapsed.TotalSeconds:F0} s");

        Assert.True(samples.Count >= 6, "too few samples to judge growth");
        Assert.False(server.Current.HasExited || worker.HasExited, server.Output + worker.Output);
        Assert.All(samples, s => Assert.InRange(s.ServerRss, 1, MaxRssBytes));
        Assert.All(samples, s => Assert.InRange(s.WorkerRss, 1, MaxRssBytes));
        Assert.All(samples, s => Assert.InRange(s.Connections, 0, MaxConnections));
        Assert.All(samples, s => Assert.InRange(s.HangfireLocks, 0, MaxHangfireLocks));
        // No steady climb: the last third's peak is within a quarter of the first two thirds' peak (warm-up included).
        var split = samples.Count * 2 / 3;
        Assert.InRange(samples.Skip(split).Max(s => s.ServerRss), 0, samples.Take(split).Max(s => s.ServerRss) * 5 / 4);
        Assert.InRange(samples.Skip(split).Max(s => s.WorkerRss), 0, samples.Take(split).Max(s => s.WorkerRss) * 5 / 4);
    }

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(30);

    /// <summary>Resident set size (VmRSS) of a process, in bytes.</summary>
    private static long Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
