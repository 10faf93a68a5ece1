using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using Xunit.Abstractions;

namespace ComplaintGrpc.IntegrationTests.Clients;

/// <summary>
/// The Python caller suite (ops/client/python/test_complaints_client.py, python3 unittest over Debian's python3-grpcio,
/// stubs generated from protos/ when it starts) against the real server, the worker as a separate process and a real
/// PostgreSQL. Each Python test runs as its own `python3 -m unittest` process and is one case of the theory below, so
/// ops/test.sh counts every Python test. Needs python3-grpcio, python3-grpc-tools and `npm ci --prefix ops/client`
/// (the google/rpc protos); fails, never skips, without them.
/// </summary>
public sealed partial class PythonClientTests(PythonClientTests.Host host, ITestOutputHelper output) : IClassFixture<PythonClientTests.Host>
{
    /// <summary>Debian's interpreter: python3-grpcio and python3-grpc-tools install for it only (a python3 earlier on
    /// PATH, such as a pyenv one, does not see them).</summary>
    private const string Python = "/usr/bin/python3";

    private const string SuiteModule = "test_complaints_client";
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(180);

    /// <summary>The server (as for every client test) plus the worker, which delivers the notifications the suite watches.</summary>
    public sealed class Host : ServerHost, IAsyncLifetime
    {
        public WorkerProcess Worker { get; private set; } = null!;

        public new async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Worker = WorkerProcess.Start(ConnectionString);
        }

        public override async Task DisposeAsync()
        {
            if (Worker is not null)
                await Worker.DisposeAsync();
            await base.DisposeAsync();
        }
    }

    private static readonly Lazy<string> SuiteFolder = new(FindSuiteFolder);

    private static string FindSuiteFolder()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ComplaintGrpc.sln")))
            root = root.Parent;
        if (root is null)
            throw new InvalidOperationException($"Cannot find the repository root (the folder holding ComplaintGrpc.sln) above {AppContext.BaseDirectory}.");
        return Path.Combine(root.FullName, "ops", "client", "python");
    }

    public static TheoryData<string> PythonTests() => new(PythonTestNames());

    /// <summary>"Class.test_name" of every test method in the suite's source, read as text (no Python runs at discovery).</summary>
    private static List<string> PythonTestNames()
    {
        var names = new List<string>();
        string? testCase = null;
        foreach (var line in File.ReadLines(Path.Combine(FindSuiteFolder(), SuiteModule + ".py")))
        {
            if (TestCaseClass().Match(line) is { Success: true } c)
                testCase = c.Groups[1].Value;
            else if (TestMethod().Match(line) is { Success: true } m && testCase is not null)
                names.Add($"{testCase}.{m.Groups[1].Value}");
        }
        return names;
    }

    [GeneratedRegex(@"^class (\w+)\(unittest\.TestCase\):")]
    private static partial Regex TestCaseClass();

    [GeneratedRegex(@"^    def (test_\w+)\(self\)")]
    private static partial Regex TestMethod();

    private sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
    }

    /// <summary>Runs `python3 ARGS` in ops/client/python with the server's address and tokens, killed after a bounded time.</summary>
    private async Task<Run> PythonAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
            WorkingDirectory = SuiteFolder.Value,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.Environment["COMPLAINTS_ADDRESS"] = $"127.0.0.1:{host.GrpcPort}";
        start.Environment["COMPLAINTS_INTAKE_TOKEN"] = host.Token("python-intake", [Roles.Intake]);
        start.Environment["COMPLAINTS_DESK_TOKEN"] = host.DeskToken;
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        start.Environment["PYTHONIOENCODING"] = "utf-8";

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{Python} did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException($"Cannot run {Python} ({e.Message}): apt-get install python3-grpcio python3-grpc-tools.", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(ProcessTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                throw new TimeoutException($"python3 {string.Join(' ', args)} ran over {ProcessTimeout}:\n{await stdout}\n{await stderr}\n"
                    + $"--- worker ---\n{host.Worker.Output}");
            }
            var run = new Run(process.ExitCode, await stdout, await stderr);
            output.WriteLine($"$ python3 {string.Join(' ', args)}\n{run}");
            return run;
        }
    }

    [Theory]
    [MemberData(nameof(PythonTests))]
    public async Task The_python_test_passes_against_the_real_server(string test)
    {
        var run = await PythonAsync("-m", "unittest", "-v", $"{SuiteModule}.{test}");

        Assert.True(run.ExitCode == 0, $"{run}\n--- worker ---\n{host.Worker.Output}");
        // unittest's own summary on stderr: exactly this one test ran, and it passed (not skipped, not an empty run).
        Assert.Contains("Ran 1 test in", run.Stderr);
        Assert.Matches(@"(?m)^OK$", run.Stderr);
        Assert.Contains($"{test.Split('.')[1]} ({SuiteModule}.{test}", run.Stderr);
        Assert.EndsWith("... ok", run.Stderr.Split('\n').First(l => l.Contains($"{SuiteModule}.{test}", StringComparison.Ordinal)).TrimEnd());
    }

    [Fact]
    public async Task Every_test_the_python_loader_finds_is_a_case_of_the_theory()
    {
        var run = await PythonAsync("-c",
            $"import unittest, {SuiteModule} as s\n"
            + "def ids(suite):\n"
            + "    for t in suite:\n"
            + "        yield from (ids(t) if isinstance(t, unittest.TestSuite) else [t.id()])\n"
            + "print('\\n'.join(sorted(ids(unittest.defaultTestLoader.loadTestsFromModule(s)))))\n");

        Assert.True(run.ExitCode == 0, run.ToString());
        var loaded = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var theory = PythonTestNames().Select(name => $"{SuiteModule}.{name}").Order(StringComparer.Ordinal);
        Assert.Equal(theory, loaded);
        Assert.True(loaded.Length >= 8, run.ToString());
    }
}
