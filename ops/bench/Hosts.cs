using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace ComplaintGrpc.Bench;

/// <summary>The server or the worker as a real process: its Release build run with <c>dotnet</c> from its output folder,
/// configured by environment variables as ops/run.sh does, its output in a log file.</summary>
public sealed class HostProcess(string name, string dll, string log, IReadOnlyDictionary<string, string> environment, string? pidFile)
{
    private Process? _process;

    public string Name => name;

    /// <summary>The process's output (stdout and stderr).</summary>
    public string LogPath => log;

    public int Pid => _process?.Id ?? 0;

    public bool Alive => _process is { HasExited: false };

    public void Start()
    {
        var info = new ProcessStartInfo("/bin/sh")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            UseShellExecute = false,
        };
        // exec: the PID we hold is the dotnet process itself, so /proc/PID/status is the host's memory.
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec dotnet \"$0\" >>\"$1\" 2>&1 </dev/null");
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add(log);
        foreach (var (key, value) in environment)
            info.Environment[key] = value;
        _process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name}");
        if (pidFile is not null)
            File.AppendAllText(pidFile, _process.Id.ToString(CultureInfo.InvariantCulture) + "\n");
    }

    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } p)
            return;
        using (var term = Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)]))
            await term!.WaitForExitAsync();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await p.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Peak resident set (VmHWM) since start or since <see cref="ResetPeak"/>, in MB; 0 when not running.</summary>
    public double PeakRssMb()
    {
        if (!Alive) return 0;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        return 0;
    }

    /// <summary>Resets VmHWM to the current RSS (Linux: "5" to /proc/PID/clear_refs), so a peak belongs to one bench.</summary>
    public void ResetPeak()
    {
        if (!Alive) return;
        try
        {
            File.WriteAllText($"/proc/{Pid}/clear_refs", "5");
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>CPU seconds (user + system) the process has used so far.</summary>
    public double CpuSeconds()
    {
        if (!Alive) return 0;
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[11] = utime, fields[12] = stime (fields 14 and 15 of stat), in clock ticks of 1/100 s.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    public static async Task WaitForServerAsync(HostProcess server, int adminPort, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (!server.Alive) throw new InvalidOperationException($"{server.Name} exited during start-up; see its log");
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{adminPort}/health/ready"));
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{server.Name} not ready after {timeout.TotalSeconds} s");
            await Task.Delay(300);
        }
    }

    /// <summary>The worker is up when its Hangfire server has announced itself (hangfire.server id holds the PID).</summary>
    public static async Task WaitForWorkerAsync(HostProcess worker, NpgsqlDataSource db, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (!worker.Alive) throw new InvalidOperationException($"{worker.Name} exited during start-up; see its log");
            try
            {
                await using var cmd = db.CreateCommand("SELECT count(*) FROM hangfire.server WHERE id LIKE $1");
                cmd.Parameters.AddWithValue($"%:{worker.Pid}:%");
                if ((long)(await cmd.ExecuteScalarAsync())! > 0) return;
            }
            catch (PostgresException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{worker.Name} not ready after {timeout.TotalSeconds} s");
            await Task.Delay(500);
        }
    }
}
