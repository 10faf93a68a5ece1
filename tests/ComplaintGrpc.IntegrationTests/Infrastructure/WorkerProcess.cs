using System.Diagnostics;
using System.Text;

namespace ComplaintGrpc.IntegrationTests.Infrastructure;

/// <summary>
/// The worker as operators run it: a separate process started from its built assembly, pointed at a test database,
/// with short polling intervals. Its output is kept for failure messages. Disposing kills it (a hard stop, as a
/// crashed or redeployed worker would see).
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WorkerProcess(Process process)
    {
        _process = process;
    }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public bool HasExited => _process.HasExited;

    public static WorkerProcess Start(string connectionString, IReadOnlyDictionary<string, string>? settings = null)
    {
        var assembly = Path.Combine(AppContext.BaseDirectory, "ComplaintGrpc.Worker.dll");
        if (!File.Exists(assembly))
            throw new FileNotFoundException("The worker assembly is not beside the tests; build the solution first.", assembly);
        var start = new ProcessStartInfo("dotnet", [assembly])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Testing";
        start.Environment["ConnectionStrings__Complaints"] = connectionString;
        start.Environment["Worker__OutboxSweepInterval"] = "00:00:00.200";
        start.Environment["Worker__DeadlineSweepInterval"] = "00:00:00.200";
        start.Environment["Storage__QueuePollInterval"] = "00:00:00.100";
        start.Environment["Logging__LogLevel__Default"] = "Information";
        // No quiet hours unless a test sets them: a reminder must not wait for the morning because of the time of day
        // the suite happens to run at (22:00-08:00 Shanghai time by default).
        start.Environment["TimeLimits__Milestones__QuietHoursStart"] = "00:00";
        start.Environment["TimeLimits__Milestones__QuietHoursEnd"] = "00:00";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            start.Environment[key] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the worker process.");
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => worker.Append(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
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
