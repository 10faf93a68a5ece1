using ComplaintGrpc.IntegrationTests.Infrastructure;
using Npgsql;

namespace ComplaintGrpc.IntegrationTests.Faults;

/// <summary>
/// Issue 12, failure 4: a host that cannot start says which setting to fix in one line and exits with a plain status
/// (78 a setting, 69 no database in time), never an unhandled-exception dump (134). Each case starts the real built
/// server or worker process with the bad configuration and waits (polling, generous timeout) for it to exit by itself.
/// </summary>
[Trait("Suite", "Faults")]
[Collection(FaultSuite.Name)]
public sealed class StartupErrorTests
{
    private const int ConfigurationError = 78;
    private const int DatabaseUnavailable = 69;
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(90);
    private static readonly string SigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public static TheoryData<string> Hosts => [HostProcess.Server, HostProcess.Worker];

    [Theory]
    [MemberData(nameof(Hosts))]
    public async Task No_connection_string_names_the_setting_and_exits_78(string host)
    {
        var line = await StartAndExpectOneErrorAsync(host, ConfigurationError, connectionString: null);

        Assert.Contains("ConnectionStrings:Complaints", line, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__Complaints", line, StringComparison.Ordinal);
        Assert.Contains("is not set", line, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public async Task A_connection_string_with_a_bad_value_names_the_keyword(string host)
    {
        var line = await StartAndExpectOneErrorAsync(host, ConfigurationError, "Host=127.0.0.1;Port=abc;Username=postgres;Password=s3cret");

        Assert.Contains("keyword 'port' has the invalid value 'abc'", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_string_with_an_unknown_keyword_names_it_and_never_shows_the_password()
    {
        var line = await StartAndExpectOneErrorAsync(HostProcess.Worker, ConfigurationError, "Host=127.0.0.1;Prot=5432;Password=s3cret");

        Assert.Contains("'prot' is not a keyword", line, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_that_does_not_exist_is_named_with_the_fix()
    {
        var existing = await TestDatabase.CreateAsync();
        var missing = new NpgsqlConnectionStringBuilder(existing) { Database = "no_such_database" }.ConnectionString;

        var line = await StartAndExpectOneErrorAsync(HostProcess.Worker, ConfigurationError, missing);

        Assert.Contains("has no database 'no_such_database'", line, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Hosts))]
    public async Task An_unreachable_database_is_retried_with_a_countdown_then_named(string host)
    {
        var nobodyListens = $"Host=127.0.0.1;Port={FreePort.Next()};Username=postgres;Database=complaints";

        var line = await StartAndExpectOneErrorAsync(host, DatabaseUnavailable, nobodyListens,
            new() { ["Database__StartupTimeout"] = "00:00:04" },
            output => Assert.Contains(output, l => l.Contains("waiting for PostgreSQL at 127.0.0.1:", StringComparison.Ordinal)
                                               && l.Contains("giving up in", StringComparison.Ordinal)));

        Assert.Contains("did not answer within 4 s", line, StringComparison.Ordinal);
        Assert.Contains("Database:StartupTimeout", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_startup_timeout_is_named()
    {
        var line = await StartAndExpectOneErrorAsync(HostProcess.Worker, ConfigurationError, "Host=127.0.0.1;Port=1",
            new() { ["Database__StartupTimeout"] = "soon" });

        Assert.Contains("Database:StartupTimeout", line, StringComparison.Ordinal);
        Assert.Contains("'soon'", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_option_out_of_range_names_the_setting_and_its_value()
    {
        var database = await TestDatabase.CreateAsync();

        var line = await StartAndExpectOneErrorAsync(HostProcess.Worker, ConfigurationError, database,
            new() { ["Worker__OutboxSweepInterval"] = "00:00:00.001" });

        Assert.Contains("Worker:OutboxSweepInterval (environment variable Worker__OutboxSweepInterval) = '00:00:00.001'", line, StringComparison.Ordinal);
        Assert.Contains("must be between", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_worker_option_that_is_not_a_number_names_the_setting()
    {
        var database = await TestDatabase.CreateAsync();

        var line = await StartAndExpectOneErrorAsync(HostProcess.Worker, ConfigurationError, database,
            new() { ["Worker__ClockBatchSize"] = "many" });

        Assert.Contains("setting Worker:ClockBatchSize (environment variable Worker__ClockBatchSize) is not a valid Int32", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_option_out_of_range_names_the_setting()
    {
        var database = await TestDatabase.CreateAsync();

        var line = await StartAndExpectOneErrorAsync(HostProcess.Server, ConfigurationError, database,
            new() { ["Server__MaxReceiveMessageBytes"] = "10" });

        Assert.Contains("Server:MaxReceiveMessageBytes", line, StringComparison.Ordinal);
        Assert.Contains("must be between", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_options_class_rule_without_a_member_is_given_as_written()
    {
        var database = await TestDatabase.CreateAsync();

        var line = await StartAndExpectOneErrorAsync(HostProcess.Server, ConfigurationError, database,
            new() { ["Auth__SigningKey"] = null, ["Auth__SigningKeyFile"] = null, ["Auth__Authority"] = null });

        Assert.Contains("invalid setting: Set Auth:Authority (OIDC) or Auth:SigningKeyFile / Auth:SigningKey", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Any_other_start_up_failure_is_one_line_then_its_details_and_exit_1()
    {
        var database = await TestDatabase.CreateAsync();
        var settings = HostProcess.ServerSettings(database, FreePort.Next(), FreePort.Next(), SigningKey);
        settings["Server__TlsCertificateFile"] = "/nonexistent/server.pem";
        settings["Server__TlsKeyFile"] = "/nonexistent/server.key";

        await using var process = HostProcess.Start(HostProcess.Server, settings);
        var status = await process.WaitForExitAsync(ExitTimeout);

        Assert.True(status == 1, $"exit {status}:{Environment.NewLine}{process.Output}");
        var line = Assert.Single(process.OutputLines, l => l.StartsWith("ComplaintGrpc.Server: start-up error: ", StringComparison.Ordinal));
        Assert.Contains("/nonexistent/server.pem", line, StringComparison.Ordinal);
        Assert.DoesNotContain(process.OutputLines, l => l.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Starts the host, waits for it to exit by itself, and returns its one start-up error line after checking
    /// the exit status, that there is exactly one such line, and that nothing was dumped.</summary>
    private static async Task<string> StartAndExpectOneErrorAsync(string host, int expectedStatus, string? connectionString,
        Dictionary<string, string?>? extra = null, Action<IReadOnlyList<string>>? alsoCheck = null)
    {
        var settings = host == HostProcess.Server
            ? HostProcess.ServerSettings(connectionString!, FreePort.Next(), FreePort.Next(), SigningKey)
            : HostProcess.WorkerSettings(connectionString!);
        settings["ConnectionStrings__Complaints"] = connectionString;
        foreach (var (key, value) in extra ?? [])
            settings[key] = value;

        await using var process = HostProcess.Start(host, settings);
        var status = await process.WaitForExitAsync(ExitTimeout);

        var output = process.OutputLines;
        var errors = output.Where(l => l.StartsWith($"{host}: start-up error: ", StringComparison.Ordinal)).ToList();
        Assert.True(status == expectedStatus && errors.Count == 1,
            $"expected exit {expectedStatus} and one start-up error line; got exit {status}. Output:{Environment.NewLine}{process.Output}");
        Assert.DoesNotContain(output, l => l.Contains("Unhandled exception", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(output, l => l.StartsWith("   at ", StringComparison.Ordinal) || l.Contains("Hosting failed to start", StringComparison.Ordinal));
        alsoCheck?.Invoke(output);
        return errors[0];
    }
}
