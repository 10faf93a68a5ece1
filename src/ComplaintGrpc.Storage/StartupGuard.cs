using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ComplaintGrpc.Storage;

/// <summary>
/// Start-up of either host (server and worker), guarded so that an operator's mistake ends the process within seconds
/// with ONE line on stderr that names the setting and the fix (<c>NAME: start-up error: …</c>) and a plain exit status,
/// never an unhandled-exception dump (exit 134). In order: the connection string is checked before anything is built;
/// the database is waited for, with a countdown on stderr, for at most <c>Database:StartupTimeout</c> (default 60 s);
/// then the host is built and started, and options that fail validation (<c>ValidateOnStart</c>) are reported by
/// setting. Written to the console, not a logger: most of these failures come before there is a logger to write to.
/// </summary>
public static partial class StartupGuard
{
    /// <summary>A setting is missing or wrong (sysexits EX_CONFIG): restarting will not help until it is fixed.</summary>
    public const int ConfigurationError = 78;

    /// <summary>The database did not answer within <c>Database:StartupTimeout</c> (sysexits EX_UNAVAILABLE): restarting may help.</summary>
    public const int DatabaseUnavailable = 69;

    /// <summary>Any other failure to start (the line names the exception; its details follow).</summary>
    public const int StartFailed = 1;

    public const string StartupTimeoutKey = "Database:StartupTimeout";
    public static readonly TimeSpan DefaultStartupTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Checks the settings, waits for the database, builds and starts the host, and runs it until it stops.
    /// Returns the process's exit status.</summary>
    public static async Task<int> RunAsync(string name, IConfiguration configuration, Func<IHost> build)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(build);

        if (ConnectionStringProblem(configuration) is { } badConnectionString)
            return Fail(name, badConnectionString, ConfigurationError);
        if (!TryReadStartupTimeout(configuration, out var startupTimeout, out var badTimeout))
            return Fail(name, badTimeout, ConfigurationError);

        var connectionString = configuration.GetConnectionString("Complaints")!;
        var (problem, status) = await WaitForDatabaseAsync(name, connectionString, startupTimeout, Console.Error, TimeProvider.System);
        if (problem is not null)
            return Fail(name, problem, status);

        IHost? host = null;
        try
        {
            host = build();
            // The options validated on start, checked here rather than inside StartAsync, whose own error log would
            // repeat the failure with a stack trace before the one line below.
            host.Services.GetService<IStartupValidator>()?.Validate();
            await host.StartAsync();
        }
        catch (Exception e) when (SettingProblem(e, configuration) is { } setting)
        {
            await DisposeAsync(host);
            return Fail(name, setting, ConfigurationError);
        }
#pragma warning disable CA1031 // The last resort of start-up: one line saying what failed, then the details, instead of an abort.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Fail(name, $"{e.GetType().Name}: {FirstLine(e.Message)}; the details follow", StartFailed);
            await Console.Error.WriteLineAsync(e.ToString());
            await DisposeAsync(host);
            return StartFailed;
        }

        try
        {
            await host.WaitForShutdownAsync();
            return 0;
        }
        finally
        {
            await DisposeAsync(host);
        }
    }

    private static async ValueTask DisposeAsync(IHost? host)
    {
        if (host is IAsyncDisposable asyncDisposable)
            await asyncDisposable.DisposeAsync();
        else
            host?.Dispose();
    }

    /// <summary>What is wrong with <c>ConnectionStrings:Complaints</c>, in one sentence with the fix; null when nothing is.
    /// A password is never repeated back.</summary>
    public static string? ConnectionStringProblem(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        const string setting = "ConnectionStrings:Complaints (environment variable ConnectionStrings__Complaints)";
        var raw = configuration.GetConnectionString("Complaints");
        if (string.IsNullOrWhiteSpace(raw))
            return $"{setting} is not set; set it to the PostgreSQL connection string, e.g. Host=db.example;Port=5432;Username=complaints;Password=...;Database=complaints";

        var written = new DbConnectionStringBuilder();
        try
        {
            written.ConnectionString = raw;
        }
        catch (ArgumentException)
        {
            return $"{setting} is not a connection string; write it as Keyword=value pairs separated by ';', e.g. Host=db.example;Port=5432;Database=complaints";
        }

        var npgsql = new NpgsqlConnectionStringBuilder();
        foreach (string keyword in written.Keys)
        {
            var value = written[keyword];
            if (!npgsql.ContainsKey(keyword))
                return $"{setting}: '{keyword}' is not a keyword PostgreSQL's client (Npgsql) knows; remove it or correct its spelling";
            try
            {
                npgsql[keyword] = value;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
            {
                var shown = IsSecret(keyword) ? "(not shown)" : $"'{value}'";
                return $"{setting}: keyword '{keyword}' has the invalid value {shown}; correct it (e.g. Port=5432, Timeout=15, Pooling=true)";
            }
        }

        if (string.IsNullOrWhiteSpace(npgsql.Host))
            return $"{setting} names no Host; add Host=<the PostgreSQL server's name or address>";
        return null;
    }

    public static bool TryReadStartupTimeout(IConfiguration configuration, out TimeSpan timeout, out string problem)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var raw = configuration[StartupTimeoutKey];
        problem = "";
        timeout = DefaultStartupTimeout;
        if (string.IsNullOrWhiteSpace(raw))
            return true;
        if (TimeSpan.TryParse(raw, CultureInfo.InvariantCulture, out timeout) && timeout >= TimeSpan.Zero && timeout <= TimeSpan.FromHours(1))
            return true;
        problem = $"{StartupTimeoutKey} (environment variable Database__StartupTimeout) is '{raw}'; give a time span from 00:00:00 to 01:00:00, e.g. 00:01:00";
        return false;
    }

    /// <summary>
    /// Opens one connection, retrying what may pass (connection refused, a database starting up or shutting down, a
    /// name that does not resolve yet) every 2 s and writing the countdown to <paramref name="progress"/>, until
    /// <paramref name="timeout"/> has passed. What will not pass by waiting (wrong password, no such database) ends at
    /// once. Returns the problem and exit status, or (null, 0) when the database answered.
    /// </summary>
    public static async Task<(string? Problem, int Status)> WaitForDatabaseAsync(
        string name, string connectionString, TimeSpan timeout, TextWriter progress, TimeProvider clock, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(clock);
        var probe = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        probe.Timeout = Math.Clamp(probe.Timeout, 1, (int)ProbeTimeout.TotalSeconds);
        var where = $"{probe.Host}:{probe.Port.ToString(CultureInfo.InvariantCulture)}";
        var deadline = clock.GetUtcNow() + timeout;
        while (true)
        {
            string reason;
            try
            {
                await using var connection = new NpgsqlConnection(probe.ConnectionString);
                await connection.OpenAsync(ct);
                return (null, 0);
            }
            catch (PostgresException e) when (!e.IsTransient)
            {
                return (RefusalProblem(e, where, probe), ConfigurationError);
            }
            catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
            {
                reason = FirstLine(Innermost(e).Message);
            }

            var remaining = deadline - clock.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return ($"PostgreSQL at {where} did not answer within {Seconds(timeout)} s ({reason}); start the database, " +
                        "fix Host/Port in ConnectionStrings:Complaints, or allow longer with Database:StartupTimeout", DatabaseUnavailable);
            }
            await progress.WriteLineAsync(
                $"{name}: waiting for PostgreSQL at {where} ({reason}); giving up in {Seconds(remaining)} s (Database:StartupTimeout)");
            await Task.Delay(remaining < RetryInterval ? remaining : RetryInterval, clock, ct);
        }
    }

    /// <summary>One line naming the setting behind an exception from building or starting a host; null when the
    /// exception is not about a setting.</summary>
    public static string? SettingProblem(Exception exception, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(configuration);
        switch (exception)
        {
            case AggregateException aggregate when aggregate.InnerExceptions.Count > 0:
                return aggregate.InnerExceptions.Select(e => SettingProblem(e, configuration)).FirstOrDefault(p => p is not null);
            case OptionsValidationException invalid:
                var failures = invalid.Failures.Select(f => DescribeFailure(f, configuration)).ToList();
                return $"invalid setting: {string.Join("; ", failures)}; correct it in appsettings.json or its environment variable";
            case InvalidOperationException { Message: var message } when ConversionFailure().Match(message) is { Success: true } match:
                var key = match.Groups["key"].Value;
                return $"setting {key} (environment variable {key.Replace(":", "__", StringComparison.Ordinal)}) " +
                       $"is not a valid {TypeName(match.Groups["type"].Value)}; correct its value";
            default:
                return exception.InnerException is { } inner ? SettingProblem(inner, configuration) : null;
        }
    }

    // "DataAnnotation validation failed for 'WorkerOptions' members: 'OutboxSweepInterval' with the error: '…'." names
    // the member; the configuration key that set it gives the section.
    private static string DescribeFailure(string failure, IConfiguration configuration)
    {
        var member = AnnotatedMember().Match(failure);
        if (!member.Success)
            return failure;
        var name = member.Groups["member"].Value;
        if (name.Length == 0)
            return member.Groups["error"].Value;
        var key = configuration.AsEnumerable()
            .Select(pair => pair.Key)
            .FirstOrDefault(k => k.EndsWith(":" + name, StringComparison.OrdinalIgnoreCase));
        var error = member.Groups["error"].Value;
        return key is null
            ? error
            : $"{key} (environment variable {key.Replace(":", "__", StringComparison.Ordinal)}) = '{(IsSecret(name) ? "(not shown)" : configuration[key])}': {error}";
    }

    private static string RefusalProblem(PostgresException e, string where, NpgsqlConnectionStringBuilder probe) => e.SqlState switch
    {
        PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification =>
            $"PostgreSQL at {where} refused user '{probe.Username}' ({e.MessageText}); correct Username/Password in ConnectionStrings:Complaints or the server's pg_hba.conf",
        PostgresErrorCodes.InvalidCatalogName =>
            $"PostgreSQL at {where} has no database '{probe.Database}'; create it (CREATE DATABASE {probe.Database}) or correct Database in ConnectionStrings:Complaints",
        _ => $"PostgreSQL at {where} refused the connection ({e.SqlState}: {e.MessageText}); correct ConnectionStrings:Complaints or the database",
    };

    private static int Fail(string name, string problem, int status)
    {
        Console.Error.WriteLine($"{name}: start-up error: {problem}");
        return status;
    }

    private static bool IsSecret(string keyword) =>
        keyword.Contains("password", StringComparison.OrdinalIgnoreCase) || keyword.Equals("pwd", StringComparison.OrdinalIgnoreCase)
        || keyword.Contains("key", StringComparison.OrdinalIgnoreCase);

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim().TrimEnd('.');

    private static string Seconds(TimeSpan span) => Math.Ceiling(span.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    private static string TypeName(string type) => type.StartsWith("System.", StringComparison.Ordinal) ? type["System.".Length..] : type;

    [GeneratedRegex(@"Failed to convert configuration value '?.*?'? at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.Singleline)]
    private static partial Regex ConversionFailure();

    [GeneratedRegex(@"members?: '(?<member>[^']*)' with the error: '(?<error>.*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex AnnotatedMember();
}
