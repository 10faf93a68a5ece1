using System.Collections.Concurrent;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Dapper;
using Grpc.Core;
using Npgsql;

namespace ComplaintGrpc.IntegrationTests.Faults;

/// <summary>
/// SIGTERM (what systemd, Kubernetes and Ctrl-C send) to a server with calls in flight: it drains and exits 0; every
/// call either finished or failed with a status a caller retries; nothing is half done (every stored case has its one
/// Submitted event and its clocks, in one transaction); and the callers' retries on the next server store the rest once.
/// </summary>
[Trait("Suite", "Faults")]
[Collection(FaultSuite.Name)]
public sealed class GracefulShutdownTests
{
    private static readonly StatusCode[] Retryable = [StatusCode.Unavailable, StatusCode.DeadlineExceeded];

    [Fact]
    public async Task Sigterm_drains_calls_in_flight_exits_0_and_leaves_nothing_half_done()
    {
        var database = await TestDatabase.CreateAsync();
        await using var server = new RestartableServer(database);
        await server.StartAsync();
        using var channel = RestartableServer.Channel(server.GrpcPort, server.IntakeToken);
        var complaints = new ComplaintService.ComplaintServiceClient(channel);

        var sent = new ConcurrentBag<SubmitComplaintRequest>();
        var acknowledged = new ConcurrentDictionary<string, string>();
        var failures = new ConcurrentBag<StatusCode>();
        var load = Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            // Each caller submits until its first failure: the server has stopped taking calls.
            while (true)
            {
                var request = Sample.Complaint();
                sent.Add(request);
                try
                {
                    acknowledged[request.RequestId] = (await complaints.SubmitComplaintAsync(request, deadline: DateTime.UtcNow.AddSeconds(10))).Id;
                }
                catch (RpcException e)
                {
                    failures.Add(e.StatusCode);
                    return;
                }
            }
        })));

        await Poll.UntilAsync(() => Task.FromResult(acknowledged.Count), n => n >= 100, TimeSpan.FromMinutes(1), "load before the SIGTERM");
        server.Current.Terminate();
        var status = await server.Current.WaitForExitAsync(TimeSpan.FromMinutes(1));
        await load.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(status == 0, $"the server exited {status}, not 0, on SIGTERM:{Environment.NewLine}{server.Output}");
        Assert.Contains("Application is shutting down", server.Output, StringComparison.Ordinal);
        Assert.True(failures.All(Retryable.Contains), $"callers saw {string.Join(", ", failures.Distinct())}; only UNAVAILABLE and DEADLINE_EXCEEDED may be seen");

        await using var connection = new NpgsqlConnection(database);
        var halfDone = await connection.ExecuteScalarAsync<long>("""
            SELECT count(*) FROM complaints c
            WHERE (SELECT count(*) FROM complaint_events e WHERE e.complaint_id = c.id AND e.action = 'Submitted') <> 1
               OR NOT EXISTS (SELECT 1 FROM case_clocks k WHERE k.complaint_id = c.id)
            """);
        Assert.Equal(0, halfDone);
        var stored = (await connection.QueryAsync<(string RequestId, Guid Id)>("SELECT request_id, id FROM complaints")).ToDictionary(r => r.RequestId, r => r.Id.ToString());
        Assert.All(acknowledged, a => Assert.Equal(a.Value, stored.GetValueOrDefault(a.Key)));

        // The callers retry what failed on the next server: each request is then stored exactly once.
        await server.StartAsync();
        using var next = RestartableServer.Channel(server.GrpcPort, server.IntakeToken);
        var retry = new ComplaintService.ComplaintServiceClient(next);
        foreach (var request in sent.Where(r => !acknowledged.ContainsKey(r.RequestId)))
            await retry.SubmitComplaintAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
        var counts = (await connection.QueryAsync<long>("SELECT count(*) FROM complaints GROUP BY request_id")).ToList();
        Assert.Equal(sent.Count, counts.Count);
        Assert.All(counts, n => Assert.Equal(1, n));
    }
}
