using System.Globalization;
using System.Text;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Dashboard;
using ComplaintGrpc.Server.Security;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ComplaintGrpc.IntegrationTests.Ctl;

/// <summary>
/// complaintctl as an operator runs it: the built tool (<c>dotnet complaintctl.dll</c>) as a separate process, against
/// the real server over a real socket and its own PostgreSQL database. Each command's output and exit code are checked,
/// and what it did is read back from the server over gRPC.
/// </summary>
public sealed class ComplaintCtlTests(ServerHost host, ITestOutputHelper output) : IClassFixture<ServerHost>
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    private Task<CtlRun> CtlAsync(string[] args, IReadOnlyDictionary<string, string>? environment = null, string? input = null) =>
        ComplaintCtl.RunAsync(output, args, environment, input);

    /// <summary>A command against the test server with the test desk's token (supervisor and administrator).</summary>
    private Task<CtlRun> AsDeskAsync(params string[] args) =>
        CtlAsync([.. args, "--server", $"http://127.0.0.1:{host.GrpcPort}", "--token", host.DeskToken]);

    private static string Local(DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, Shanghai).ToString("yyyy-MM-dd HH:mm:sszzz", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Submit_stores_a_case_and_show_lists_it_with_every_clock()
    {
        var requestId = Sample.Id("ctl");
        var submit = await AsDeskAsync("submit", "--request-id", requestId, "--description", "台区低电压，空调无法启动",
            "--received", DateTimeOffset.UtcNow.AddMinutes(-2).ToString("O", CultureInfo.InvariantCulture));
        Assert.True(submit.ExitCode == 0, submit.ToString());
        var caseNumber = submit.Field("case_number");

        using var desk = host.ChannelFor(host.DeskToken);
        var stored = await new ComplaintService.ComplaintServiceClient(desk).GetComplaintAsync(new GetComplaintRequest { CaseNumber = caseNumber });
        Assert.Equal(requestId, stored.RequestId);
        Assert.Equal("台区低电压，空调无法启动", stored.Description);
        Assert.NotEmpty(stored.Deadlines);

        var show = await AsDeskAsync("show", caseNumber);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Equal(stored.Id, show.Field("id"));
        Assert.Equal(CaseStatus.Received.ToString(), show.Field("status"));
        Assert.Equal(stored.Deadlines.Count.ToString(CultureInfo.InvariantCulture), show.Field("clocks"));
        var clockLines = show.Stdout.Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal)).Skip(1).ToList();
        Assert.Equal(stored.Deadlines.Count, clockLines.Count);
        foreach (var clock in stored.Deadlines)
        {
            Assert.Contains(clockLines, l => l.TrimStart().StartsWith(clock.Clock + " ", StringComparison.Ordinal)
                && l.Contains(clock.Status.ToString(), StringComparison.Ordinal)
                && l.Contains(clock.Limit, StringComparison.Ordinal)
                && l.Contains(Local(clock.DueTime.ToDateTimeOffset()), StringComparison.Ordinal));
        }

        // The same case by id reads the same.
        var byId = await AsDeskAsync("show", stored.Id);
        Assert.True(byId.ExitCode == 0, byId.ToString());
        Assert.Equal(caseNumber, byId.Field("case_number"));
    }

    [Fact]
    public async Task Calendar_load_from_a_file_is_then_listed_by_the_server()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ctl-calendar-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file,
            """{"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知 (test)", "holidays": ["2027-01-01", "2027-02-06/2027-02-12"], "makeUpWorkingDays": ["2027-02-14"]}""");
        try
        {
            var load = await AsDeskAsync("calendar", "load", file);
            Assert.True(load.ExitCode == 0, load.ToString());

            using var desk = host.ChannelFor(host.DeskToken);
            var years = await new SlaService.SlaServiceClient(desk).ListCalendarYearsAsync(new ListCalendarYearsRequest());
            var year = Assert.Single(years.Years, y => y.Year == 2027);
            Assert.Equal("loaded", year.Origin);
            Assert.Equal(1, year.MakeUpWorkingDayCount);
            Assert.StartsWith($"loaded 2027 loaded: {year.HolidayCount} holidays, 1 make-up working days", load.Stdout, StringComparison.Ordinal);

            var list = await AsDeskAsync("calendar", "list");
            Assert.True(list.ExitCode == 0, list.ToString());
            Assert.Contains($"2027 loaded: {year.HolidayCount} holidays", list.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Report_run_then_download_writes_the_stored_reports_csv_to_a_file()
    {
        // A case received yesterday (local), so yesterday's report, whose cut-off has passed, has it open.
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Shanghai).DateTime);
        var reportDate = today.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var received = new DateTimeOffset(today.AddDays(-1).ToDateTime(new TimeOnly(10, 0)), TimeSpan.FromHours(8));
        var submit = await AsDeskAsync("submit", "--request-id", Sample.Id("ctl-report"), "--received", received.ToString("O", CultureInfo.InvariantCulture));
        Assert.True(submit.ExitCode == 0, submit.ToString());

        var run = await AsDeskAsync("report", "run", "--date", reportDate, "--wait");
        Assert.True(run.ExitCode == 0, run.ToString());
        using var desk = host.ChannelFor(host.DeskToken);
        var report = await new ReportService.ReportServiceClient(desk).GetBacklogReportAsync(new GetBacklogReportRequest { ReportDate = reportDate });
        Assert.StartsWith($"report {reportDate} generation {report.Summary.Generation},", run.Stdout, StringComparison.Ordinal);
        Assert.True(report.Total.Open >= 1, $"open {report.Total.Open}");

        var file = Path.Combine(Path.GetTempPath(), $"ctl-report-{Guid.NewGuid():N}.csv");
        try
        {
            var download = await AsDeskAsync("report", "download", "--date", reportDate, "--format", "csv", "--table", "backlog", "--out", file);
            Assert.True(download.ExitCode == 0, download.ToString());
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.Contains($"{file} ({bytes.Length} bytes)", download.Stdout, StringComparison.Ordinal);
            Assert.Contains($"backlog-{reportDate}-backlog.csv: {bytes.Length:N0} bytes, done", download.Stderr, StringComparison.Ordinal);
            Assert.Equal(Encoding.UTF8.Preamble.ToArray(), bytes[..3]);
            var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("单位编码,单位名称,层级,在途工单,", lines[0], StringComparison.Ordinal);
            // The first row is the whole organisation: its open count is the stored report's.
            Assert.Equal(report.Total.Open.ToString(CultureInfo.InvariantCulture), lines[1].Split(',')[3]);

            var html = await AsDeskAsync("report", "download", "--date", reportDate, "--format", "html", "--out", file);
            Assert.True(html.ExitCode == 0, html.ToString());
            Assert.Contains("<html", await File.ReadAllTextAsync(file), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Mint_token_makes_a_token_the_server_accepts_with_its_roles()
    {
        var key = new Dictionary<string, string> { ["Auth__SigningKey"] = host.Auth.SigningKey! };
        var admin = await CtlAsync(["mint-token", "--sub", "ctl-admin", "--role", "admin", "--role", "supervisor", "--hours", "1"], key);
        Assert.True(admin.ExitCode == 0, admin.ToString());
        using var adminChannel = host.ChannelFor(admin.Stdout.Trim());
        var years = await new SlaService.SlaServiceClient(adminChannel).ListCalendarYearsAsync(new ListCalendarYearsRequest());
        Assert.NotEmpty(years.Years);

        // The same key from a file, as ops/run.sh keeps it; an intake token may submit but not load a calendar.
        var keyFile = Path.Combine(Path.GetTempPath(), $"ctl-key-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(keyFile, host.Auth.SigningKey + "\n");
        try
        {
            var intake = await CtlAsync(["mint-token", "--sub", "ctl-intake", "--role", "intake"], new Dictionary<string, string> { ["Auth__SigningKeyFile"] = keyFile });
            Assert.True(intake.ExitCode == 0, intake.ToString());
            using var intakeChannel = host.ChannelFor(intake.Stdout.Trim());
            var sla = new SlaService.SlaServiceClient(intakeChannel);
            var denied = await Assert.ThrowsAsync<RpcException>(() => sla.LoadCalendarYearAsync(new LoadCalendarYearRequest { DocumentJson = "{}" }).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    [Fact]
    public async Task Hash_password_prints_a_hash_the_dashboard_signs_in_with()
    {
        var hash = await CtlAsync(["hash-password"], input: "s3cret with spaces \n");
        Assert.True(hash.ExitCode == 0, hash.ToString());
        Assert.True(DashboardSignInOptions.LooksLikeIdentityV3Hash(hash.Stdout.Trim()), hash.ToString());

        var services = new ServiceCollection().AddLogging();
        services.Configure<DashboardSignInOptions>(o => o.Accounts.Add(new DashboardAccount { UserName = "ops", Role = DashboardRoles.Admin, PasswordHash = hash.Stdout.Trim() }));
        services.AddSingleton<DashboardAccounts>();
        await using var provider = services.BuildServiceProvider();
        var accounts = provider.GetRequiredService<DashboardAccounts>();
        Assert.NotNull(accounts.SignIn("ops", "s3cret with spaces "));
        Assert.Null(accounts.SignIn("ops", "s3cret with spaces"));

        var empty = await CtlAsync(["hash-password"], input: "");
        Assert.Equal(2, empty.ExitCode);
        Assert.Empty(empty.Stdout);
        Assert.Contains("no password on standard input", empty.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_is_told_clearly_with_a_non_zero_exit()
    {
        var unknown = await AsDeskAsync("show", "CP20990101999999");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("error: NotFound:", unknown.Stderr, StringComparison.Ordinal);
        Assert.Contains("reason: CASE_NOT_FOUND", unknown.Stderr, StringComparison.Ordinal);

        var badDate = await AsDeskAsync("submit", "--received", "yesterday");
        Assert.Equal(2, badDate.ExitCode);
        Assert.Contains("--received", badDate.Stderr, StringComparison.Ordinal);

        var badField = await AsDeskAsync("submit", "--request-id", "no spaces allowed");
        Assert.Equal(1, badField.ExitCode);
        Assert.Contains("error: InvalidArgument:", badField.Stderr, StringComparison.Ordinal);
        Assert.Contains("  request_id: ", badField.Stderr, StringComparison.Ordinal);

        var missingFile = await AsDeskAsync("calendar", "load", "/nonexistent/ctl-2027.json");
        Assert.Equal(2, missingFile.ExitCode);
        Assert.Contains("no such file: /nonexistent/ctl-2027.json", missingFile.Stderr, StringComparison.Ordinal);

        var badDocument = Path.Combine(Path.GetTempPath(), $"ctl-bad-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(badDocument, """{"year": 2028, "source": "x", "holidays": ["2027-05-01"], "makeUpWorkingDays": []}""");
        try
        {
            var rejected = await AsDeskAsync("calendar", "load", badDocument);
            Assert.Equal(1, rejected.ExitCode);
            Assert.Contains("error: InvalidArgument:", rejected.Stderr, StringComparison.Ordinal);
            Assert.Contains("  document_json: ", rejected.Stderr, StringComparison.Ordinal);
            Assert.Contains("2027-05-01", rejected.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(badDocument);
        }

        var noTable = await AsDeskAsync("report", "download", "--format", "csv");
        Assert.Equal(2, noTable.ExitCode);
        Assert.Contains("--format csv needs --table", noTable.Stderr, StringComparison.Ordinal);

        var noFolder = await AsDeskAsync("report", "download", "--format", "html", "--out", "/nonexistent/ctl/report.html");
        Assert.Equal(2, noFolder.ExitCode);
        Assert.Contains("no such folder: /nonexistent/ctl", noFolder.Stderr, StringComparison.Ordinal);

        var noToken = await CtlAsync(["show", "CP20990101999999", "--server", $"http://127.0.0.1:{host.GrpcPort}"]);
        Assert.Equal(2, noToken.ExitCode);
        Assert.Contains("no token", noToken.Stderr, StringComparison.Ordinal);

        var wrongKey = await CtlAsync(["show", "CP20990101999999", "--server", $"http://127.0.0.1:{host.GrpcPort}",
            "--token", DevTokens.Mint(new AuthOptions { SigningKey = Convert.ToBase64String(new byte[32]) }, "x", [Roles.Administrator])]);
        Assert.Equal(1, wrongKey.ExitCode);
        Assert.Contains("error: Unauthenticated", wrongKey.Stderr, StringComparison.Ordinal);

        var noKey = await CtlAsync(["mint-token", "--sub", "x", "--role", "admin"]);
        Assert.Equal(2, noKey.ExitCode);
        Assert.Contains("no signing key", noKey.Stderr, StringComparison.Ordinal);

        var unknownRole = await CtlAsync(["mint-token", "--sub", "x", "--role", "root"], new Dictionary<string, string> { ["Auth__SigningKey"] = host.Auth.SigningKey! });
        Assert.Equal(2, unknownRole.ExitCode);
        Assert.Contains("root", unknownRole.Stderr, StringComparison.Ordinal);
    }
}
