using System.Collections.Concurrent;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using Dapper;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;

namespace ComplaintGrpc.IntegrationTests.Faults;

/// <summary>
/// The server process killed with SIGKILL, twice, while intake callers submit as fast as they can with the retry policy
/// of the Node client in ops/client (10 s deadline, 3 attempts, 300 ms × attempt between them, retrying only
/// UNAVAILABLE and DEADLINE_EXCEEDED, resending the very same request). What a caller was told is the truth: every
/// acknowledged case is stored exactly once with one Submitted event; a caller whose retries ran out and who sends the
/// same request again later gets the one stored case, never a second.
/// </summary>
[Trait("Suite", "Faults")]
[Collection(FaultSuite.Name)]
public sealed class ServerCrashTests
{
    private const int Clients = 8;
    private const int SubmitsPerClient = 150;
    private const int Total = Clients * SubmitsPerClient;
    private static readonly StatusCode[] Retryable = [StatusCode.Unavailable, StatusCode.DeadlineExceeded];

    [Fact]
    public async Task Server_killed_twice_under_a_retry_storm_stores_every_acknowledged_submit_exactly_once()
    {
        var database = await TestDatabase.CreateAsync();
        var server = new RestartableServer(database);
        await server.StartAsync();
        try
        {
            using var channels = new ChannelSet(Clients, server.GrpcPort, server.IntakeToken);
            var requests = Enumerable.Range(0, Total).Select(i => Sample.Complaint(Sample.Id($"storm{i}"))).ToArray();
            var acknowledged = new ConcurrentDictionary<string, string>();
            var failures = new ConcurrentBag<StatusCode>();

            var storm = Task.WhenAll(Enumerable.Range(0, Clients).Select(client => Task.Run(async () =>
            {
                var complaints = new ComplaintService.ComplaintServiceClient(channels[client]);
                for (var i = client; i < Total; i += Clients)
                {
                    if (await SubmitWithRetryAsync(complaints, requests[i], failures) is { } stored)
                        acknowledged[requests[i].RequestId] = stored.Id;
                }
            })));

            // Two crashes, each once a further third of the storm has been acknowledged, each followed by a restart.
            var killedAfter = new List<int>();
            foreach (var share in new[] { Total / 3, 2 * Total / 3 })
            {
                await Poll.UntilAsync(() => Task.FromResult(acknowledged.Count), n => n >= share || storm.IsCompleted,
                    TimeSpan.FromMinutes(3), $"{share} acknowledged submits");
                killedAfter.Add(acknowledged.Count);
                await server.KillHardAsync();
                await server.StartAsync();
            }
            await storm.WaitAsync(TimeSpan.FromMinutes(5));

            Assert.True(failures.All(Retryable.Contains), $"callers saw {string.Join(", ", failures.Distinct())}; only UNAVAILABLE and DEADLINE_EXCEEDED may be seen");
            // Both crashes came while callers were still submitting.
            Assert.All(killedAfter, n => Assert.InRange(n, 1, Total - 1));

            // The caller's later retry of what ran out of attempts: the same request again, on the server now up.
            var complaints = new ComplaintService.ComplaintServiceClient(channels[0]);
            foreach (var request in requests.Where(r => !acknowledged.ContainsKey(r.RequestId)))
            {
                var stored = await complaints.SubmitComplaintAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
                acknowledged[request.RequestId] = stored.Id;
            }

            await using var connection = new NpgsqlConnection(database);
            var rows = (await connection.QueryAsync<(string RequestId, Guid Id, long Submitted)>("""
                SELECT c.request_id, c.id,
                       (SELECT count(*) FROM complaint_events e WHERE e.complaint_id = c.id AND e.action = 'Submitted')
                FROM complaints c
                """)).ToList();
            Assert.Equal(Total, rows.Count);
            Assert.Equal(Total, rows.Select(r => r.RequestId).Distinct().Count());
            Assert.All(rows, r => Assert.Equal(1, r.Submitted));
            Assert.All(rows, r => Assert.Equal(acknowledged[r.RequestId], r.Id.ToString()));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>ops/client's submitWithRetry: null when the attempts ran out on retryable failures; other failures are
    /// recorded and end the attempts too.</summary>
    private static async Task<Complaint?> SubmitWithRetryAsync(ComplaintService.ComplaintServiceClient client, SubmitComplaintRequest request,
        ConcurrentBag<StatusCode> failures)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await client.SubmitComplaintAsync(request, deadline: DateTime.UtcNow.AddSeconds(10));
            }
            catch (RpcException e)
            {
                failures.Add(e.StatusCode);
                if (!Retryable.Contains(e.StatusCode) || attempt == 3)
                    return null;
                await Task.Delay(TimeSpan.FromMilliseconds(300 * attempt));
            }
        }
    }

    private sealed class ChannelSet(int count, int port, string token) : IDisposable
    {
        private readonly GrpcChannel[] _channels = [.. Enumerable.Range(0, count).Select(_ => RestartableServer.Channel(port, token))];

        public GrpcChannel this[int index] => _channels[index];

        public void Dispose()
        {
            foreach (var channel in _channels)
                channel.Dispose();
        }
    }
}

/// <summary>A server process on fixed ports that a test can kill and start again, as a supervisor (systemd) would.</summary>
public sealed class RestartableServer(string connectionString, IReadOnlyDictionary<string, string?>? extra = null) : IAsyncDisposable
{
    private readonly AuthOptions _auth = new() { SigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) };
    private readonly List<HostProcess> _lives = [];

    public int GrpcPort { get; } = FreePort.Next();
    public int AdminPort { get; } = FreePort.Next();
    public HostProcess Current => _lives[^1];

    /// <summary>Every life's output, for failure messages.</summary>
    public string Output => string.Join(Environment.NewLine + "--- restarted ---" + Environment.NewLine, _lives.Select(l => l.Output));

    public string IntakeToken => DevTokens.Mint(_auth, "intake-storm", [Roles.Intake], null, null);

    public string DeskToken => DevTokens.Mint(_auth, "test-desk", [Roles.Supervisor, Roles.Administrator], null, null);

    public static GrpcChannel Channel(int port, string token) => GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions
    {
        UnsafeUseInsecureChannelCallCredentials = true,
        Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure,
            CallCredentials.FromInterceptor((_, metadata) => { metadata.Add("authorization", $"Bearer {token}"); return Task.CompletedTask; })),
    });

    /// <summary>Starts a new life and waits until /health/ready answers 200.</summary>
    public async Task StartAsync()
    {
        var settings = HostProcess.ServerSettings(connectionString, GrpcPort, AdminPort, _auth.SigningKey!);
        settings["Limits__SubmitPerSecond"] = "100000";
        settings["Limits__SubmitBurst"] = "100000";
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
            settings[key] = value;
        var life = HostProcess.Start(HostProcess.Server, settings);
        _lives.Add(life);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Poll.UntilAsync(async () =>
        {
            if (life.HasExited) return "exited";
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{AdminPort}/health/ready"));
                return ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return "no answer";
            }
        }, s => s is "200" or "exited", TimeSpan.FromMinutes(2), "the server to be ready");
        if (life.HasExited)
            throw new InvalidOperationException($"The server exited ({life.ExitCode}) during start-up:{Environment.NewLine}{life.Output}");
    }

    /// <summary>SIGKILL, then waits until the process is gone (its ports are free again).</summary>
    public async Task KillHardAsync()
    {
        Current.KillHard();
        await Current.WaitForExitAsync(TimeSpan.FromMinutes(1));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var life in _lives)
            await life.DisposeAsync();
    }
}
