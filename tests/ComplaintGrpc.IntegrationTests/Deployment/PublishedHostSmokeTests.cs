using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace ComplaintGrpc.IntegrationTests.Deployment;

/// <summary>Server and worker published once per test run by <c>ops/publish.sh</c> (framework-dependent, from the
/// Release build the tests were built with), into a temporary folder deleted at the end.</summary>
public sealed class PublishedHosts : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "complaintgrpc-publish-" + Guid.NewGuid().ToString("N")[..12]);

    public string ServerFolder => Path.Combine(_folder, "framework-dependent", "server");

    public string WorkerFolder => Path.Combine(_folder, "framework-dependent", "worker");

    public async Task InitializeAsync()
    {
        var script = Path.Combine(DeploymentArtefacts.RepositoryRoot, "ops", "publish.sh");
        var start = new ProcessStartInfo("bash", [script, "--no-build", "--framework-dependent-only", "--out", _folder, "server", "worker"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var publish = Process.Start(start)!;
        var output = publish.StandardOutput.ReadToEndAsync();
        var errors = publish.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await publish.WaitForExitAsync(timeout.Token);
        if (publish.ExitCode != 0)
            throw new InvalidOperationException($"ops/publish.sh failed (exit {publish.ExitCode}):\n{await output}\n{await errors}");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The published server binary, started the way its systemd unit starts it: the unit's ExecStart file name, its
/// Environment= lines (with %d the credentials folder holding a key under the name LoadCredential= gives, and %S a state
/// folder), plus what the unit's EnvironmentFile holds in production (the connection string, here the test database)
/// and free ports in place of 5080/5081 so tests can run side by side. Then the probes the Kubernetes manifests use
/// must answer: grpc.health.v1 on the gRPC port for the service they name, and the liveness path on the admin port.
/// </summary>
public sealed class PublishedHostSmokeTests(PublishedHosts published) : IClassFixture<PublishedHosts>
{
    [Fact]
    public async Task The_published_server_started_with_its_systemd_environment_answers_the_health_probes_the_manifests_use()
    {
        var unit = SystemdUnit.Load(DeploymentArtefacts.PathOf("systemd/complaintgrpc-server.service"));
        var root = Path.Combine(Path.GetTempPath(), "complaintgrpc-unit-" + Guid.NewGuid().ToString("N")[..12]);
        var credentials = Directory.CreateDirectory(Path.Combine(root, "credentials")).FullName;
        var state = Directory.CreateDirectory(Path.Combine(root, "state")).FullName;
        foreach (var name in unit.CredentialNames())
            await File.WriteAllTextAsync(Path.Combine(credentials, name), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

        var grpcPort = FreePort.Next();
        var adminPort = FreePort.Next();
        var environment = unit.Environment().ToDictionary(p => p.Key, p => Specifiers(p.Value, credentials, state));
        environment["ConnectionStrings__Complaints"] = await TestDatabase.CreateAsync();
        environment["Server__GrpcPort"] = grpcPort.ToString(CultureInfo.InvariantCulture);
        environment["Server__AdminPort"] = adminPort.ToString(CultureInfo.InvariantCulture);
        Directory.CreateDirectory(environment["HOME"]);

        var executable = Path.Combine(published.ServerFolder, Path.GetFileName(unit.One("ExecStart")));
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = published.ServerFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Only what systemd would give the service (plus where the shared runtime is, as on a machine with it installed).
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["DOTNET_ROOT"] = DotnetRoot();
        foreach (var (key, value) in environment)
            start.Environment[key] = value;

        var output = new StringBuilder();
        using var server = Process.Start(start)!;
        server.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        server.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            var manifests = new[] { "config.yaml", "server.yaml" }.SelectMany(f => Yaml.LoadAll(DeploymentArtefacts.PathOf("k8s/" + f))).ToList();
            var container = ManifestConsistencyTests.ServerContainer(manifests);

            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
            var health = new Health.HealthClient(channel);
            foreach (var probe in new[] { "startupProbe", "readinessProbe" })
            {
                var service = container.Text(probe, "grpc", "service") ?? "";
                var status = await Poll.UntilAsync(
                    async () => server.HasExited ? HealthCheckResponse.Types.ServingStatus.Unknown : await CheckAsync(health, service),
                    s => s == HealthCheckResponse.Types.ServingStatus.Serving || server.HasExited,
                    TimeSpan.FromMinutes(2), $"the published server's {probe} (grpc.health.v1, service \"{service}\")");
                Assert.False(server.HasExited, $"The published server exited ({ExitCode(server)}):\n{Text(output)}");
                Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, status);
            }

            using var http = new HttpClient();
            var liveness = container.Text("livenessProbe", "httpGet", "path")!;
            var response = await http.GetAsync(new Uri($"http://127.0.0.1:{adminPort}{liveness}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The published worker, started from its unit the same way, gets as far as running: it migrates, then its
    /// Hangfire server registers itself in the database (the worker serves no port, so that row is its sign of life).</summary>
    [Fact]
    public async Task The_published_worker_started_with_its_systemd_environment_registers_its_Hangfire_server()
    {
        var unit = SystemdUnit.Load(DeploymentArtefacts.PathOf("systemd/complaintgrpc-worker.service"));
        var root = Path.Combine(Path.GetTempPath(), "complaintgrpc-unit-" + Guid.NewGuid().ToString("N")[..12]);
        var state = Directory.CreateDirectory(Path.Combine(root, "state")).FullName;
        var database = await TestDatabase.CreateAsync();
        var environment = unit.Environment().ToDictionary(p => p.Key, p => Specifiers(p.Value, Path.Combine(root, "credentials"), state));
        environment["ConnectionStrings__Complaints"] = database;
        Directory.CreateDirectory(environment["HOME"]);

        var executable = Path.Combine(published.WorkerFolder, Path.GetFileName(unit.One("ExecStart")));
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = published.WorkerFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["DOTNET_ROOT"] = DotnetRoot();
        foreach (var (key, value) in environment)
            start.Environment[key] = value;

        var output = new StringBuilder();
        using var worker = Process.Start(start)!;
        worker.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        worker.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        try
        {
            await using var connection = new Npgsql.NpgsqlConnection(database);
            await connection.OpenAsync();
            var servers = await Poll.UntilAsync(
                async () => worker.HasExited ? -1L : await HangfireServersAsync(connection),
                n => n != 0,
                TimeSpan.FromMinutes(2), "the published worker's Hangfire server row");
            Assert.False(worker.HasExited, $"The published worker exited ({ExitCode(worker)}):\n{Text(output)}");
            Assert.True(servers > 0);
        }
        finally
        {
            if (!worker.HasExited)
            {
                worker.Kill(entireProcessTree: true);
                await worker.WaitForExitAsync();
            }
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task<long> HangfireServersAsync(Npgsql.NpgsqlConnection connection)
    {
        // Hangfire.PostgreSql creates its schema when the worker starts; until then there is no table to count in.
        await using var exists = new Npgsql.NpgsqlCommand("SELECT to_regclass('hangfire.server') IS NOT NULL", connection);
        if (!(bool)(await exists.ExecuteScalarAsync())!)
            return 0;
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM hangfire.server", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static async Task<HealthCheckResponse.Types.ServingStatus> CheckAsync(Health.HealthClient health, string service)
    {
        try
        {
            var reply = await health.CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow.AddSeconds(5));
            return reply.Status;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal)
        {
            // Not listening yet: migrations run before Kestrel takes calls.
            return HealthCheckResponse.Types.ServingStatus.Unknown;
        }
    }

    /// <summary>The unit specifiers the unit uses: %d (credentials folder) and %S (state root); %% is a percent.</summary>
    private static string Specifiers(string value, string credentials, string state) =>
        value.Replace("%%", "\0", StringComparison.Ordinal)
            .Replace("%d", credentials, StringComparison.Ordinal)
            .Replace("%S", state, StringComparison.Ordinal)
            .Replace("\0", "%", StringComparison.Ordinal);

    private static string DotnetRoot()
    {
        var host = Environment.ProcessPath;
        return host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet"
            ? Path.GetDirectoryName(host)!
            : Environment.GetEnvironmentVariable("DOTNET_ROOT") ?? "/usr/share/dotnet";
    }

    private static string ExitCode(Process p) => p.HasExited ? "exit " + p.ExitCode.ToString(CultureInfo.InvariantCulture) : "running";

    private static string Text(StringBuilder output)
    {
        lock (output) return output.ToString();
    }
}
