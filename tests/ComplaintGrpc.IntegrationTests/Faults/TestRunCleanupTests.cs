using ComplaintGrpc.IntegrationTests.Infrastructure;

namespace ComplaintGrpc.IntegrationTests.Faults;

/// <summary>
/// Issue 12, failure 6: whatever ends a test run, its throwaway PostgreSQL goes with it. A "test-like process" here is
/// what a test host is to its cluster: a process that starts one through <c>ops/pg.sh start --owner-pid</c> (as
/// PostgresServer does) and then runs. The real PostgreSQL, the real pg.sh and the real ops/test.sh are used; only the
/// .NET CLI is stood in for in the ops/test.sh case, by a script whose <c>dotnet test</c> is such a process, so the run
/// is ended from outside while a "test" holds its cluster.
/// </summary>
[Trait("Suite", "Faults")]
[Collection(FaultSuite.Name)]
public sealed class TestRunCleanupTests : IDisposable
{
    private static readonly TimeSpan GoneTimeout = TimeSpan.FromSeconds(90);
    private readonly string _state = Path.Combine("/tmp", "complaintgrpc-testrun-" + Guid.NewGuid().ToString("N")[..10]);

    public TestRunCleanupTests() => Directory.CreateDirectory(_state);

    private string Data => Path.Combine(_state, "pg");

    [Fact]
    public async Task A_test_process_killed_with_sigkill_takes_its_cluster_with_it()
    {
        var port = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var script = WriteScript("test-like.sh", $"""
            #!/usr/bin/env bash
            "{HostProcess.RepositoryRoot()}/ops/pg.sh" start --owner-pid $$ "{Data}" {port} >/dev/null || exit 1
            echo "cluster up"
            exec sleep 3600
            """);
        await using var owner = HostProcess.StartScript(script, [], new Dictionary<string, string?>());
        await owner.WaitForOutputAsync("cluster up");
        var postmaster = PgScript.PostmasterPid(Data) ?? throw new InvalidOperationException("no postmaster.pid in " + Data);
        Assert.True(PgScript.IsAlive(postmaster));

        owner.KillHard();

        await AssertClusterGoneAsync(postmaster);
    }

    [Fact]
    public async Task Sigterm_to_ops_test_sh_stops_the_running_tests_and_their_cluster()
    {
        var port = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var bin = Path.Combine(_state, "bin");
        Directory.CreateDirectory(bin);
        // The .NET CLI's stand-in: build steps succeed at once; `dotnet test` starts a cluster owned by itself, as a
        // test host does, and runs until it is stopped. npm and apt-get stand in so that no package is installed.
        WriteScript("bin/dotnet", $"""
            #!/usr/bin/env bash
            if [[ $1 == test ]]; then
              "{HostProcess.RepositoryRoot()}/ops/pg.sh" start --owner-pid $$ "{Data}" {port} >/dev/null || exit 1
              echo "stand-in test host: cluster up"
              exec sleep 3600
            fi
            exit 0
            """);
        WriteScript("bin/npm", "#!/usr/bin/env bash\nexit 0\n");
        WriteScript("bin/apt-get", "#!/usr/bin/env bash\nexit 0\n");

        await using var run = HostProcess.StartScript("ops/test.sh", [], new Dictionary<string, string?>
        {
            ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH"),
            ["TEST_RESULTS_DIR"] = Path.Combine(_state, "results"),
        });
        await run.WaitForOutputAsync("stand-in test host: cluster up", TimeSpan.FromMinutes(3));
        var postmaster = PgScript.PostmasterPid(Data) ?? throw new InvalidOperationException("no postmaster.pid in " + Data);

        HostProcess.Signal(run.Id, "TERM");

        var status = await run.WaitForExitAsync(TimeSpan.FromMinutes(1));
        Assert.True(status == 143, $"ops/test.sh exited {status}, not 143. Its output:{Environment.NewLine}{run.Output}");
        Assert.Contains(run.OutputLines, l => l.StartsWith("tests: ", StringComparison.Ordinal) && l.Contains("stopped by SIGTERM", StringComparison.Ordinal));
        await AssertClusterGoneAsync(postmaster);
    }

    private async Task AssertClusterGoneAsync(int postmaster)
    {
        await Poll.UntilAsync(() => Task.FromResult(PgScript.IsAlive(postmaster) || Directory.Exists(Data)), alive => !alive,
            GoneTimeout, $"the cluster's postmaster ({postmaster}) to stop and {Data} to be deleted");
    }

    private string WriteScript(string name, string text)
    {
        var path = Path.Combine(_state, name);
        File.WriteAllText(path, text.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                       | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return path;
    }

    public void Dispose()
    {
        PgScript.RunAsync("destroy", Data).GetAwaiter().GetResult();
        Directory.Delete(_state, recursive: true);
    }
}
