using System.Diagnostics;
using System.Text;

namespace ComplaintGrpc.IntegrationTests.Infrastructure;

/// <summary>
/// The server or the worker as operators run it: its own process started from the built assembly beside the tests,
/// with exactly the environment a test gives it (an inherited <c>ConnectionStrings__Complaints</c> is removed unless
/// set). Output (stdout and stderr, in order) is kept for assertions and failure messages. It can be stopped as
/// operators and crashes stop it: SIGTERM (<see cref="Terminate"/>) or SIGKILL (<see cref="KillHard"/>); disposing
/// kills it if it still runs.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    public const string Server = "ComplaintGrpc.Server";
    public const string Worker = "ComplaintGrpc.Worker";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _errorClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HostProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public IReadOnlyList<string> OutputLines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Starts <paramref name="name"/> (<see cref="Server"/> or <see cref="Worker"/>). A null value removes an
    /// inherited variable.</summary>
    public static HostProcess Start(string name, IReadOnlyDictionary<string, string?> environment)
    {
        var assembly = Path.Combine(AppContext.BaseDirectory, name + ".dll");
        if (!File.Exists(assembly))
            throw new FileNotFoundException($"{name}.dll is not beside the tests; build the solution first.", assembly);
        var start = new ProcessStartInfo("dotnet", [assembly])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment.Remove("ConnectionStrings__Complaints");
        start.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["Logging__LogLevel__Default"] = "Information";
        // Plain one-line console records, so a test can find a line.
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        foreach (var (key, value) in environment)
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }

        return Launch(name, start);
    }

    /// <summary>Starts one of the repository's scripts (<c>ops/run.sh</c>, <c>ops/test.sh</c>) with bash, from the
    /// repository root, with the given environment changes (null removes a variable).</summary>
    public static HostProcess StartScript(string script, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var root = RepositoryRoot();
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        start.ArgumentList.Add(Path.Combine(root, script));
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment)
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }
        return Launch(script, start);
    }

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ComplaintGrpc.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No ComplaintGrpc.sln above {AppContext.BaseDirectory}.");
    }

    private static HostProcess Launch(string name, ProcessStartInfo start)
    {
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var host = new HostProcess(name, process);
        process.OutputDataReceived += (_, e) => host.Append(e.Data, host._outputClosed);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data, host._errorClosed);
        if (!process.Start())
            throw new InvalidOperationException($"Could not start {name}.");
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>The usual settings of a test server on free ports, trusting <paramref name="signingKey"/>.</summary>
    public static Dictionary<string, string?> ServerSettings(string connectionString, int grpcPort, int adminPort, string signingKey) => new()
    {
        ["ConnectionStrings__Complaints"] = connectionString,
        ["Server__GrpcPort"] = grpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Server__AdminPort"] = adminPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Auth__SigningKey"] = signingKey,
    };

    /// <summary>The usual settings of a test worker: short sweep and poll intervals.</summary>
    public static Dictionary<string, string?> WorkerSettings(string connectionString) => new()
    {
        ["ConnectionStrings__Complaints"] = connectionString,
        ["Worker__OutboxSweepInterval"] = "00:00:00.200",
        ["Worker__DeadlineSweepInterval"] = "00:00:00.200",
        ["Storage__QueuePollInterval"] = "00:00:00.100",
    };

    private void Append(string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>Waits (polling, up to <paramref name="timeout"/>) for the process to exit and its output to be read to the end.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            await Task.WhenAll(_outputClosed.Task, _errorClosed.Task).WaitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} (pid {Id}) did not exit within {timeout}. Its output:{Environment.NewLine}{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>Waits until a line of output contains <paramref name="text"/>; fails early, with the output, if the
    /// process exits first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan? timeout = null)
    {
        await Poll.UntilAsync(() => Task.FromResult((Found: Output.Contains(text, StringComparison.Ordinal), Exited: HasExited)),
            r => r.Found || r.Exited, timeout ?? TimeSpan.FromSeconds(90), $"{Name} to write '{text}'");
        if (!Output.Contains(text, StringComparison.Ordinal))
            throw new InvalidOperationException($"{Name} exited ({ExitCode}) before writing '{text}'. Its output:{Environment.NewLine}{Output}");
    }

    /// <summary>SIGTERM, as systemd, Kubernetes or Ctrl-C stop a process: the host drains and exits.</summary>
    public void Terminate() => Signal(_process.Id, "TERM");

    /// <summary>SIGKILL, as a crash or the OOM killer ends a process: nothing runs after it.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
    }

    public static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("Could not run kill.");
        kill.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
