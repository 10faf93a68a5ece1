using ComplaintGrpc.IntegrationTests.Infrastructure;

namespace ComplaintGrpc.IntegrationTests.Faults;

/// <summary>
/// Issue 12, failure 5: the PostgreSQL that <c>ops/run.sh</c> starts for a person is stopped with a fast, clean
/// shutdown when the script stops, so its next start does no crash recovery. The real script runs (with its state in a
/// temp folder and free ports, and the hosts as built), is stopped with Ctrl-C's SIGINT, and the cluster's own log is
/// the evidence.
/// </summary>
[Trait("Suite", "Faults")]
[Collection(FaultSuite.Name)]
public sealed class RunScriptShutdownTests
{
    [Fact]
    public async Task Ctrl_C_stops_the_private_postgres_cleanly_so_the_next_start_needs_no_recovery()
    {
        var state = Path.Combine("/tmp", "complaintgrpc-runsh-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(state);
        var data = Path.Combine(state, "pg");
        var port = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            await using (var run = HostProcess.StartScript("ops/run.sh", ["--no-build"], new Dictionary<string, string?>
            {
                ["RUN_STATE_DIR"] = state,
                ["RUN_PG_PORT"] = port,
                ["GRPC_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ADMIN_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ConnectionStrings__Complaints"] = null,
                ["Auth__Authority"] = null,
                ["Auth__SigningKey"] = null,
                ["Auth__SigningKeyFile"] = null,
                ["Dashboard__Accounts__0__UserName"] = null,
            }))
            {
                await run.WaitForOutputAsync("run.sh: ready", TimeSpan.FromMinutes(4));
                HostProcess.Signal(run.Id, "INT");
                var status = await run.WaitForExitAsync(TimeSpan.FromMinutes(3));
                Assert.True(status == 130, $"run.sh exited {status}, not 130 (SIGINT). Its output:{Environment.NewLine}{run.Output}");
                Assert.Contains("stopping the private PostgreSQL", run.Output, StringComparison.Ordinal);
            }

            var log = Path.Combine(data, "postgres.log");
            var firstRun = await File.ReadAllTextAsync(log);
            Assert.Contains("received fast shutdown request", firstRun, StringComparison.Ordinal);
            Assert.DoesNotContain("immediate shutdown request", firstRun, StringComparison.Ordinal);
            Assert.Contains("database system is shut down", firstRun, StringComparison.Ordinal);

            var (started, output) = await PgScript.RunAsync("start", data, port);
            Assert.True(started == 0, output);
            var secondRun = (await File.ReadAllTextAsync(log))[firstRun.Length..];
            Assert.Contains("database system was shut down at", secondRun, StringComparison.Ordinal);
            Assert.DoesNotContain("not properly shut down", secondRun, StringComparison.Ordinal);
            Assert.DoesNotContain("automatic recovery in progress", secondRun, StringComparison.Ordinal);
        }
        finally
        {
            await PgScript.RunAsync("destroy", data);
            Directory.Delete(state, recursive: true);
        }
    }
}
