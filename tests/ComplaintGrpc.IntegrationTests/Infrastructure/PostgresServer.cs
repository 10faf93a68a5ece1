using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Npgsql;

namespace ComplaintGrpc.IntegrationTests.Infrastructure;

/// <summary>
/// One private, throwaway PostgreSQL cluster for a whole test run, started through <c>ops/pg.sh</c>
/// (the only place that knows how to run PostgreSQL as root). Installing PostgreSQL is not its job: <c>ops/test.sh</c>
/// does that before the tests run. The cluster lives in a fresh folder
/// under the system temp dir on a free loopback port; tests get their own databases from
/// <see cref="CreateDatabaseAsync"/>. Never skips: if PostgreSQL cannot start, <see cref="StartAsync"/> throws.
/// </summary>
/// <remarks>
/// The cluster is tied to this process (<c>pg.sh start --owner-pid</c>): if the test host exits without
/// disposing, is killed by a hang timeout or crashes, pg.sh stops the cluster and deletes its folder
/// a couple of seconds later. Disposing does the same at once.
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly TimeSpan BindirTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);
    private const int StartAttempts = 3;
    private const int LogTailLines = 40;

    // Every test database has its own connection string, so its own Npgsql pools (the server's, Hangfire's, the
    // test's), and nothing reuses them once its test class is done. With Npgsql's default 300 s idle lifetime those
    // idle connections piled up to 200+ in a 3-minute run, and on a faster machine past max_connections (300): CI
    // saw 798 tests fail with 53300 "too many clients". Closing idle connections after a few seconds keeps the count
    // at what the running classes use.
    private const int IdleLifetimeSeconds = 5;
    private const int PruningIntervalSeconds = 1;

    private readonly string _script;
    private readonly string _dataDirectory;
    private readonly Lock _databasesLock = new();
    private readonly List<string> _databaseConnectionStrings = [];
    private readonly Dictionary<string, string> _connectionStringByDatabase = new(StringComparer.Ordinal);
    private int _disposed;

    private PostgresServer(string script, string dataDirectory, string adminConnectionString)
    {
        _script = script;
        _dataDirectory = dataDirectory;
        AdminConnectionString = adminConnectionString;
    }

    /// <summary>Superuser connection to the <c>postgres</c> database (pooled, with error detail).</summary>
    public string AdminConnectionString { get; }

    /// <summary>
    /// Starts a new cluster. PostgreSQL must already be installed: <c>ops/test.sh</c> runs <c>ops/pg.sh
    /// ensure-installed</c> before any test; a test run started otherwise fails here, saying so, when the binaries are
    /// missing. Throws <see cref="InvalidOperationException"/> carrying pg.sh's stderr and the server log tail when it cannot.
    /// </summary>
    public static async Task<PostgresServer> StartAsync(CancellationToken ct = default)
    {
        var script = Path.Combine(FindRepositoryRoot(), "ops", "pg.sh");

        var bindir = await RunAsync(script, ["bindir"], BindirTimeout, ct);
        if (bindir.ExitCode != 0)
        {
            throw new InvalidOperationException(
                "The PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed, so the integration tests cannot " +
                "start their database. Install them with `ops/pg.sh ensure-installed` (ops/test.sh does this first), then run " +
                $"the tests again.{Environment.NewLine}ops/pg.sh bindir said (exit {bindir.ExitCode}): {bindir.StandardError.Trim()}");
        }

        for (var attempt = 1; ; attempt++)
        {
            var port = FindFreePort().ToString(CultureInfo.InvariantCulture);
            var dataDirectory = Path.Combine(Path.GetTempPath(), "complaintgrpc-pg-" + Guid.NewGuid().ToString("N")[..12]);

            var owner = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
            var start = await RunAsync(script, ["start", "--owner-pid", owner, dataDirectory, port], StartTimeout, ct);
            var connectionString = start.StandardOutput
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .LastOrDefault();
            if (start.ExitCode == 0 && !string.IsNullOrEmpty(connectionString))
            {
                var admin = new NpgsqlConnectionStringBuilder(connectionString)
                {
                    Pooling = true,
                    IncludeErrorDetail = true,
                    ConnectionIdleLifetime = IdleLifetimeSeconds,
                    ConnectionPruningInterval = PruningIntervalSeconds,
                };
                return new PostgresServer(script, dataDirectory, admin.ConnectionString);
            }

            var logTail = ReadLogTail(dataDirectory);
            await RunAsync(script, ["destroy", dataDirectory], StopTimeout, CancellationToken.None);

            // The free port can be taken between probing it and the postmaster binding it; try another.
            var portTaken = logTail.Contains("Address already in use", StringComparison.Ordinal);
            if (portTaken && attempt < StartAttempts)
            {
                continue;
            }

            throw new InvalidOperationException(
                $"ops/pg.sh start {dataDirectory} {port} failed (exit {start.ExitCode}, attempt {attempt})." +
                $"{Environment.NewLine}--- pg.sh stderr ---{Environment.NewLine}{start.StandardError}" +
                $"{Environment.NewLine}--- postgres.log (last {LogTailLines} lines) ---{Environment.NewLine}{logTail}");
        }
    }

    /// <summary>
    /// Creates a database with a unique name (optionally <c>TEMPLATE template</c>) and returns its
    /// connection string (pooled, with <c>Include Error Detail=true</c>).
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string? template = null, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        var name = "test_" + Guid.NewGuid().ToString("N");
        var sql = "CREATE DATABASE " + QuoteIdentifier(name);
        if (template is not null)
        {
            sql += " TEMPLATE " + QuoteIdentifier(template);
            // A template must have no sessions; drop our own idle pooled ones to it.
            ClearPool(ConnectionStringFor(template));
        }

        // Another session on the template (a pool we do not own closing a connection) fails the copy
        // with 55006 object_in_use; it is usually gone a moment later.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(AdminConnectionString);
                await connection.OpenAsync(ct);
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync(ct);
                break;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 40)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            }
        }

        var connectionString = new NpgsqlConnectionStringBuilder(AdminConnectionString)
        {
            Database = name,
            Pooling = true,
            IncludeErrorDetail = true,
        }.ConnectionString;

        lock (_databasesLock)
        {
            _databaseConnectionStrings.Add(connectionString);
            _connectionStringByDatabase[name] = connectionString;
        }

        return connectionString;
    }

    /// <summary>Stops the cluster as a crashed database server stops (immediate shutdown), keeping its data: a fault
    /// test's outage. <see cref="StartAgainAsync"/> ends it.</summary>
    public async Task StopAsync()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var stop = await RunAsync(_script, ["stop", _dataDirectory], StopTimeout, CancellationToken.None);
        if (stop.ExitCode != 0)
            throw new InvalidOperationException($"ops/pg.sh stop {_dataDirectory} failed (exit {stop.ExitCode}).{Environment.NewLine}{stop.StandardError}");
    }

    /// <summary>Starts the stopped cluster again on its port (still owned by this process).</summary>
    public async Task StartAgainAsync()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var port = new NpgsqlConnectionStringBuilder(AdminConnectionString).Port.ToString(CultureInfo.InvariantCulture);
        var owner = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var start = await RunAsync(_script, ["start", "--owner-pid", owner, _dataDirectory, port], StartTimeout, CancellationToken.None);
        if (start.ExitCode != 0)
            throw new InvalidOperationException($"ops/pg.sh start {_dataDirectory} {port} failed (exit {start.ExitCode}).{Environment.NewLine}{start.StandardError}");
    }

    /// <summary>
    /// Stops the cluster and deletes its data directory (<c>ops/pg.sh destroy</c>: an immediate
    /// <c>pg_ctl stop</c>, then removal of the folder, also where pg.sh relocated it).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        ClearOwnPools();
        var destroy = await RunAsync(_script, ["destroy", _dataDirectory], StopTimeout, CancellationToken.None);
        if (destroy.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"ops/pg.sh destroy {_dataDirectory} failed (exit {destroy.ExitCode}).{Environment.NewLine}{destroy.StandardError}");
        }
    }

    private string? ConnectionStringFor(string database)
    {
        lock (_databasesLock)
        {
            return _connectionStringByDatabase.GetValueOrDefault(database);
        }
    }

    private void ClearOwnPools()
    {
        string[] connectionStrings;
        lock (_databasesLock)
        {
            connectionStrings = [.. _databaseConnectionStrings];
        }

        foreach (var connectionString in connectionStrings)
        {
            ClearPool(connectionString);
        }

        ClearPool(AdminConnectionString);
    }

    private static void ClearPool(string? connectionString)
    {
        if (connectionString is null)
        {
            return;
        }

        using var connection = new NpgsqlConnection(connectionString);
        NpgsqlConnection.ClearPool(connection);
    }

    private static string QuoteIdentifier(string identifier) =>
        "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ComplaintGrpc.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException(
            $"Cannot find the repository root (the folder holding ComplaintGrpc.sln) above {AppContext.BaseDirectory}.");
    }

    private static int FindFreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static string ReadLogTail(string dataDirectory)
    {
        var log = Path.Combine(dataDirectory, "postgres.log");
        try
        {
            return File.Exists(log)
                ? string.Join(Environment.NewLine, File.ReadLines(log).TakeLast(LogTailLines))
                : $"(no {log})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"(cannot read {log}: {e.Message})";
        }
    }

    private static async Task<ProcessResult> RunAsync(
        string script, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct)
    {
        var startInfo = new ProcessStartInfo("bash")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Path.GetDirectoryName(script)),
        };
        startInfo.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var description = "ops/pg.sh " + string.Join(' ', arguments);
        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"Cannot run {description}: {e.Message}", e);
        }

        process.StandardInput.Close();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var pumps = Task.WhenAll(
            PumpAsync(process.StandardOutput, stdout),
            PumpAsync(process.StandardError, stderr));

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            ct.ThrowIfCancellationRequested();
            await WaitBrieflyAsync(pumps);
            throw new InvalidOperationException(
                $"{description} timed out after {timeout}.{Environment.NewLine}{Snapshot(stderr)}");
        }

        // A grandchild that kept our pipes open must not hang the caller: wait briefly for the rest.
        await WaitBrieflyAsync(pumps);
        return new ProcessResult(process.ExitCode, Snapshot(stdout), Snapshot(stderr));
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder sink)
    {
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (sink)
                {
                    sink.AppendLine(line);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The process was killed or disposed; keep what was read.
        }
    }

    private static async Task WaitBrieflyAsync(Task pumps)
    {
        try
        {
            await pumps.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // Keep whatever was captured so far.
        }
    }

    private static string Snapshot(StringBuilder sink)
    {
        lock (sink)
        {
            return sink.ToString();
        }
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    private sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);
}
