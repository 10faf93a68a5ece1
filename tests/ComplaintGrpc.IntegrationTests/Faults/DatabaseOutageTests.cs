using System.Collections.Concurrent;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using Npgsql;

namespace ComplaintGrpc.IntegrationTests.Faults;

/// <summary>
/// PostgreSQL stopped (immediate shutdown, as a crash) and started again while callers submit: callers see only
/// UNAVAILABLE and DEADLINE_EXCEEDED, gRPC health goes NOT_SERVING and back to SERVING, and neither the server nor the
/// worker needs a restart: both carry on alone. The cluster is this test's own, so stopping it touches no other test.
/// </summary>
[Trait("Suite", "Faults")]
[Collection(FaultSuite.Name)]
public sealed class DatabaseOutageTests
{
    private static readonly StatusCode[] Retryable = [StatusCode.Unavailable, StatusCode.DeadlineExceeded];

    [Fact]
    public async Task PostgreSQL_stopped_and_started_under_load_is_unavailable_to_callers_and_both_processes_recover_alone()
    {
        await using var cluster = await PostgresServer.StartAsync();
        var database = await cluster.CreateDatabaseAsync();
        // pg.sh's throwaway clusters commit asynchronously (synchronous_commit off), so an immediate stop drops the last
        // commits a caller was told about; a real database commits durably, and so does this one.
        await using (var admin = new NpgsqlConnection(cluster.AdminConnectionString))
            await admin.ExecuteAsync($"ALTER DATABASE \"{new NpgsqlConnectionStringBuilder(database).Database}\" SET synchronous_commit = on");
        await using var server = new RestartableServer(database);
        await server.StartAsync();
        await using var worker = HostProcess.Start(HostProcess.Worker, HostProcess.WorkerSettings(database));
        // The outage comes to running processes: a host that meets it while still starting exits (non-zero) for its
        // supervisor to restart, which is another case.
        await worker.WaitForOutputAsync("Application started");
        using var channel = RestartableServer.Channel(server.GrpcPort, server.DeskToken);
        var complaints = new ComplaintService.ComplaintServiceClient(channel);
        var health = new Health.HealthClient(channel);

        var acknowledged = new ConcurrentDictionary<string, string>();
        var failures = new ConcurrentBag<StatusCode>();
        using var stopLoad = new CancellationTokenSource();
        var load = Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stopLoad.IsCancellationRequested)
            {
                var request = Sample.Complaint();
                try
                {
                    acknowledged[request.RequestId] = (await complaints.SubmitComplaintAsync(request, deadline: DateTime.UtcNow.AddSeconds(5))).Id;
                }
                catch (RpcException e)
                {
                    failures.Add(e.StatusCode);
                    // A caller backs off as long as the server's RetryInfo asks (1 s), as ops/client does; the back-off
                    // paces the load, it is not the test waiting for a condition.
                    await Task.Delay(e.GetRpcStatus()?.GetDetail<Google.Rpc.RetryInfo>()?.RetryDelay?.ToTimeSpan() ?? TimeSpan.FromSeconds(1));
                }
            }
        })));

        await Poll.UntilAsync(() => Task.FromResult(acknowledged.Count), n => n >= 50, TimeSpan.FromMinutes(1), "load before the outage");
        await cluster.StopAsync();
        await Poll.UntilAsync(() => HealthAsync(health), s => s == HealthCheckResponse.Types.ServingStatus.NotServing,
            TimeSpan.FromMinutes(1), "gRPC health to say NOT_SERVING");
        await Poll.UntilAsync(() => Task.FromResult(failures.Count), n => n >= 20, TimeSpan.FromMinutes(1), "callers to meet the outage");

        await cluster.StartAgainAsync();
        await Poll.UntilAsync(() => HealthAsync(health), s => s == HealthCheckResponse.Types.ServingStatus.Serving,
            TimeSpan.FromMinutes(2), "gRPC health to say SERVING again; server output:\n" + server.Output);
        var afterOutage = acknowledged.Count;
        await Poll.UntilAsync(() => Task.FromResult(acknowledged.Count), n => n >= afterOutage + 50, TimeSpan.FromMinutes(1), "submits to succeed again");
        await stopLoad.CancelAsync();
        await load;

        var seen = failures.GroupBy(f => f).Select(g => $"{g.Key} × {g.Count()}");
        Assert.True(failures.All(Retryable.Contains), $"callers saw {string.Join(", ", seen)}; only UNAVAILABLE and DEADLINE_EXCEEDED may be seen");
        Assert.False(server.Current.HasExited, server.Output);
        Assert.False(worker.HasExited, worker.Output);

        // The worker carries on by itself: a case overdue now is breached without a restart.
        var units = await Sample.OrganizationAsync(new OrganizationService.OrganizationServiceClient(channel));
        var overdue = Sample.Complaint();
        overdue.ReceivedTime = new Timestamp { Seconds = DateTimeOffset.UtcNow.AddHours(-26).ToUnixTimeSeconds() };
        var c = await complaints.SubmitComplaintAsync(overdue);
        c = await complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = units.Station });
        c = await complaints.AssignHandlerAsync(new AssignHandlerRequest { Id = c.Id, Etag = c.Etag, HandlerId = units.Handler });
        await Poll.UntilAsync(() => complaints.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = c.Id }).ResponseAsync,
            h => h.Events.Any(e => e.Action == "ClockBreached"), TimeSpan.FromMinutes(2), "the worker to breach a new overdue case; its output:\n" + worker.Output);

        // What callers were told is what is stored.
        await using var connection = new NpgsqlConnection(database);
        var stored = (await connection.QueryAsync<(string RequestId, Guid Id)>("SELECT request_id, id FROM complaints")).ToDictionary(r => r.RequestId, r => r.Id.ToString());
        Assert.All(acknowledged, a => Assert.Equal(a.Value, stored.GetValueOrDefault(a.Key)));
    }

    private static async Task<HealthCheckResponse.Types.ServingStatus> HealthAsync(Health.HealthClient health)
    {
        try
        {
            return (await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(5))).Status;
        }
        catch (RpcException)
        {
            return HealthCheckResponse.Types.ServingStatus.Unknown;
        }
    }
}
