using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using Dapper;
using Xunit.Abstractions;

namespace ComplaintGrpc.IntegrationTests.Clients;

/// <summary>
/// The Node.js example client (ops/client/complaints.mjs, @grpc/grpc-js over h2c) as an intake developer runs it: a real
/// `node` process against the real server, as an intake system (role intake) whose token it sends with --token.
/// Needs node on PATH and `npm ci --prefix ops/client`; fails, never skips.
/// </summary>
public sealed class NodeClientTests(ServerHost host, ITestOutputHelper output) : IClassFixture<ServerHost>
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);
    private const string IntakeSubject = "node-intake";

    private sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";

        public JsonElement Json(bool fromStderr = false)
        {
            var text = fromStderr ? Stderr : Stdout;
            try
            {
                return JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new Xunit.Sdk.XunitException($"The client did not print JSON ({e.Message}):\n{this}");
            }
        }
    }

    private static readonly Lazy<string> Script = new(FindScript);

    private static string FindScript()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ComplaintGrpc.sln")))
            root = root.Parent;
        if (root is null)
            throw new InvalidOperationException($"Cannot find the repository root (the folder holding ComplaintGrpc.sln) above {AppContext.BaseDirectory}.");
        var client = Path.Combine(root.FullName, "ops", "client");
        foreach (var package in new[] { "@grpc/grpc-js", "@grpc/proto-loader", "google-proto-files", "protobufjs" })
        {
            if (!Directory.Exists(Path.Combine(client, "node_modules", package)))
                throw new InvalidOperationException(
                    $"{client}/node_modules/{package} is missing: run `npm ci --prefix ops/client` in the repository root (ops/test.sh does).");
        }
        return Path.Combine(client, "complaints.mjs");
    }

    /// <summary>Runs `node complaints.mjs ARGS --address 127.0.0.1:PORT --token INTAKE` to completion.</summary>
    private Task<Run> NodeAsync(params string[] args) =>
        NodeAsync(host.Token(IntakeSubject, [Roles.Intake]), args);

    /// <summary>Runs the client with this bearer token (null: none), killed after a bounded time.</summary>
    private async Task<Run> NodeAsync(string? token, string[] args)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(Script.Value)!,
        };
        start.ArgumentList.Add(Script.Value);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        start.ArgumentList.Add("--address");
        start.ArgumentList.Add($"127.0.0.1:{host.GrpcPort}");
        if (token is not null)
        {
            start.ArgumentList.Add("--token");
            start.ArgumentList.Add(token);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"Cannot run `node` ({e.Message}): install Node.js 20 or later, then run `npm ci --prefix ops/client`.", e);
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
                throw new TimeoutException($"node complaints.mjs {string.Join(' ', args)} ran over {ProcessTimeout}:\n{await stdout}\n{await stderr}");
            }
            var run = new Run(process.ExitCode, await stdout, await stderr);
            output.WriteLine($"$ node complaints.mjs {string.Join(' ', args)}\n{run}");
            return run;
        }
    }

    private static string RecentReceivedTime() => DateTimeOffset.UtcNow.AddMinutes(-2).ToString("O", CultureInfo.InvariantCulture);

    private static DateTimeOffset Instant(JsonElement e) => DateTimeOffset.Parse(e.GetString()!, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Submit_prints_the_stored_case_and_get_by_case_number_reads_it_back()
    {
        var requestId = Sample.Id("node");
        var submit = await NodeAsync("submit", "--request-id", requestId, "--phone", "139-1234-5678", "--description", "变压器冒烟后全楼停电");

        Assert.True(submit.ExitCode == 0, submit.ToString());
        var stored = submit.Json();
        var id = stored.GetProperty("id").GetString()!;
        var caseNumber = stored.GetProperty("case_number").GetString()!;
        Assert.True(Guid.TryParse(id, out _), submit.ToString());
        Assert.Matches(@"^CP\d{14,}$", caseNumber);
        Assert.Equal(requestId, stored.GetProperty("request_id").GetString());
        Assert.Equal("CASE_STATUS_RECEIVED", stored.GetProperty("status").GetString());
        Assert.Equal("1", stored.GetProperty("etag").GetString());
        var received = Instant(stored.GetProperty("received_time"));
        var clocks = stored.GetProperty("deadlines").EnumerateArray().ToList();
        Assert.Equal(["CLOCK_KIND_DISPATCH", "CLOCK_KIND_FIRST_CONTACT", "CLOCK_KIND_REPLY"],
            clocks.Select(d => d.GetProperty("clock").GetString()).Order());
        Assert.All(clocks, d =>
        {
            Assert.Equal("CLOCK_STATUS_RUNNING", d.GetProperty("status").GetString());
            Assert.True(Instant(d.GetProperty("due_time")) > received, d.ToString());
        });

        var get = await NodeAsync("get", caseNumber);
        Assert.True(get.ExitCode == 0, get.ToString());
        var read = get.Json();
        Assert.Equal((id, caseNumber, "1", "CASE_STATUS_RECEIVED"),
            (read.GetProperty("id").GetString(), read.GetProperty("case_number").GetString(), read.GetProperty("etag").GetString(),
                read.GetProperty("status").GetString()));
        Assert.Equal(stored.GetProperty("deadlines").ToString(), read.GetProperty("deadlines").ToString());

        // What the Node client sent, as the .NET client reads it: UTF-8 text intact, phone canonical, the sample's taxonomy.
        var asStored = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = id });
        Assert.Equal("变压器冒烟后全楼停电", asStored.Description);
        Assert.Equal("13912345678", asStored.Customer.Phone);
        Assert.Equal((Channel.Phone95598, RequestKind.Complaint, Category.Outage, SubCategory.Outage, Level.Normal),
            (asStored.Channel, asStored.RequestKind, asStored.Category, asStored.SubCategory, asStored.Level));
        Assert.Equal((CustomerClass.Residential, SiteClass.Urban), (asStored.Customer.CustomerClass, asStored.SiteClass));
        // --token reached the server: the history names the intake system whose token the client sent.
        var history = await host.Complaints.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = id });
        Assert.Equal(IntakeSubject, Assert.Single(history.Events).Actor);
    }

    [Fact]
    public async Task Call_submits_with_chase_open_case_as_in_the_readme_first_a_new_case_then_a_chase_on_it()
    {
        var phone = "137" + Random.Shared.NextInt64(10_000_000, 99_999_999);
        string Request(string id) => $$"""
            {"request_id": "{{id}}", "chase_open_case": true, "channel": "CHANNEL_CITY_HOTLINE_12345", "request_kind": "REQUEST_KIND_COMPLAINT",
             "category": "CATEGORY_OUTAGE", "sub_category": "SUB_CATEGORY_OUTAGE", "level": "LEVEL_NORMAL", "site_class": "SITE_CLASS_URBAN",
             "customer": {"phone": "{{phone}}", "customer_class": "CUSTOMER_CLASS_RESIDENTIAL"},
             "description": "还是没有来电，再次催办。", "received_time": "{{RecentReceivedTime()}}"}
            """;

        var first = await NodeAsync(["call", "ComplaintService.SubmitComplaint", "--json", Request(Sample.Id("hotline"))]);
        var chase = await NodeAsync(["call", "ComplaintService.SubmitComplaint", "--json", Request(Sample.Id("hotline"))]);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(chase.ExitCode == 0, chase.ToString());
        Assert.Equal("SUBMIT_OUTCOME_CREATED", first.Json().GetProperty("submit_outcome").GetString());
        Assert.Equal(("SUBMIT_OUTCOME_CHASED", first.Json().GetProperty("id").GetString(), 1),
            (chase.Json().GetProperty("submit_outcome").GetString(), chase.Json().GetProperty("id").GetString(), chase.Json().GetProperty("chase_count").GetInt32()));
    }

    [Fact]
    public async Task Call_records_a_finding_closes_the_case_and_prints_bad_request_details_for_an_incomplete_one()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var c = await new CaseSteps(host.Complaints, org).CalledBackAsync();
        var desk = host.DeskToken;
        var finding = $$$"""
            {"id": "{{{c.Id}}}", "etag": "{{{c.Etag}}}", "finding": {"outcome": "SUBSTANTIATION_UNSUBSTANTIATED", "basis": "调取停电记录：该时段无停电。",
             "evidence": [{"attachment_id": "rec-42", "kind": "outage-log"}], "investigator_id": "inv-zhou",
             "investigated_time": "{{{c.ReplyTime.ToDateTimeOffset():O}}}"}}
            """;

        var incomplete = await NodeAsync(desk, ["call", "ComplaintService.RecordFinding", "--json", $$$"""{"id": "{{{c.Id}}}", "etag": "{{{c.Etag}}}", "finding": {}}"""]);
        var recorded = await NodeAsync(desk, ["call", "ComplaintService.RecordFinding", "--json", finding]);
        var closed = await NodeAsync(desk, ["call", "ComplaintService.CloseComplaint", "--json", $$"""{"id": "{{c.Id}}", "etag": "{{recorded.Json().GetProperty("etag").GetString()}}"}"""]);

        Assert.Equal(1, incomplete.ExitCode);
        var details = incomplete.Json(fromStderr: true);
        Assert.Equal("INVALID_ARGUMENT", details.GetProperty("code").GetString());
        var fields = details.GetProperty("details").EnumerateArray().Single(d => d.GetProperty("@type").GetString() == "google.rpc.BadRequest")
            .GetProperty("field_violations").EnumerateArray().Select(v => v.GetProperty("field").GetString()).ToList();
        Assert.Equal(["finding.basis", "finding.investigated_time", "finding.investigator_id", "finding.outcome"], fields.Order());
        Assert.Equal(0, recorded.ExitCode);
        Assert.Equal(0, closed.ExitCode);
        Assert.Equal(("CASE_STATUS_CLOSED", "SUBSTANTIATION_UNSUBSTANTIATED"),
            (closed.Json().GetProperty("status").GetString(), closed.Json().GetProperty("substantiation").GetString()));
    }

    [Fact]
    public async Task Without_a_token_the_client_prints_unauthenticated_and_exits_1()
    {
        var run = await NodeAsync(token: null, ["preview", "--received", "2026-09-29T10:00:00+08:00"]);

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal("", run.Stdout.Trim());
        Assert.Equal("UNAUTHENTICATED", run.Json(fromStderr: true).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_retry_with_the_same_request_id_and_received_time_returns_the_same_case()
    {
        var requestId = Sample.Id("node-retry");
        var received = RecentReceivedTime(); // a retry resends the identical request, received_time included

        var first = await NodeAsync("submit", "--request-id", requestId, "--received", received);
        var retry = await NodeAsync("submit", "--request-id", requestId, "--received", received);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(retry.ExitCode == 0, retry.ToString());
        Assert.Equal(first.Json().GetProperty("id").GetString(), retry.Json().GetProperty("id").GetString());
        Assert.Equal(first.Json().GetProperty("case_number").GetString(), retry.Json().GetProperty("case_number").GetString());
        await using var c = await host.Database.OpenConnectionAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM complaints WHERE request_id = @requestId", new { requestId }));
    }

    [Fact]
    public async Task The_same_request_id_with_other_content_prints_already_exists_with_the_error_info_reason()
    {
        var requestId = Sample.Id("node-reuse");
        var received = RecentReceivedTime();
        var first = await NodeAsync("submit", "--request-id", requestId, "--received", received);
        Assert.True(first.ExitCode == 0, first.ToString());

        var reused = await NodeAsync("submit", "--request-id", requestId, "--received", received, "--description", "另一件事");

        Assert.True(reused.ExitCode == 1, reused.ToString());
        var error = reused.Json(fromStderr: true);
        Assert.Equal("ALREADY_EXISTS", error.GetProperty("code").GetString());
        var info = Assert.Single(error.GetProperty("details").EnumerateArray(),
            d => d.GetProperty("@type").GetString() == "google.rpc.ErrorInfo");
        Assert.Equal(("REQUEST_ID_REUSED", "complaints.v1"), (info.GetProperty("reason").GetString(), info.GetProperty("domain").GetString()));
    }

    [Fact]
    public async Task A_bad_phone_prints_invalid_argument_with_the_decoded_bad_request_field_and_exits_1()
    {
        var requestId = Sample.Id("node-bad");
        var run = await NodeAsync("submit", "--request-id", requestId, "--phone", "12345");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Equal("", run.Stdout.Trim());
        var error = run.Json(fromStderr: true);
        Assert.Equal("INVALID_ARGUMENT", error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()), run.ToString());
        var badRequest = Assert.Single(error.GetProperty("details").EnumerateArray(),
            d => d.GetProperty("@type").GetString() == "google.rpc.BadRequest");
        var violation = Assert.Single(badRequest.GetProperty("field_violations").EnumerateArray());
        Assert.Equal("customer.phone", violation.GetProperty("field").GetString());
        Assert.False(string.IsNullOrWhiteSpace(violation.GetProperty("description").GetString()), run.ToString());
        await using var c = await host.Database.OpenConnectionAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM complaints WHERE request_id = @requestId", new { requestId }));
    }

    [Fact]
    public async Task Preview_prints_the_worked_example_reply_due_time_in_utc()
    {
        var run = await NodeAsync("preview", "--received", "2026-09-29T10:00:00+08:00");

        Assert.True(run.ExitCode == 0, run.ToString());
        var deadlines = run.Json().GetProperty("deadlines").EnumerateArray().ToList();
        Assert.Equal(["CLOCK_KIND_DISPATCH", "CLOCK_KIND_FIRST_CONTACT", "CLOCK_KIND_REPLY"],
            deadlines.Select(d => d.GetProperty("clock").GetString()));
        var reply = deadlines.Single(d => d.GetProperty("clock").GetString() == "CLOCK_KIND_REPLY");
        Assert.Equal("2026-10-10T16:00:00.000Z", reply.GetProperty("due_time").GetString());
        Assert.Equal("4 working days", reply.GetProperty("limit").GetString());
        Assert.True(reply.GetProperty("calendar_covered").GetBoolean());
    }
}
