using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using Grpc.Core;
using Grpc.Net.Client;

namespace ComplaintGrpc.IntegrationTests.Telemetry;

/// <summary>
/// JSON logs as an operator turns them on (<c>Logging__Console__FormatterName=json</c>), read from the standard output of
/// a real server process: every line is one JSON object, and the lines about a case (its submit, its dispatch) carry its
/// case number and the trace id of the call in their scopes.
/// </summary>
[Trait("Tier", "Integration")]
public sealed class JsonLogTests
{
    [Fact]
    public async Task A_submit_and_a_dispatch_log_json_lines_that_carry_the_case_number_and_the_callers_trace_id()
    {
        var auth = new AuthOptions { SigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) };
        var (grpcPort, adminPort) = (FreePort.Next(), FreePort.Next());
        var output = new StringBuilder();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ComplaintGrpc.Server.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["ConnectionStrings__Complaints"] = await TestDatabase.CreateAsync();
        start.Environment["Server__GrpcPort"] = grpcPort.ToString();
        start.Environment["Server__AdminPort"] = adminPort.ToString();
        start.Environment["Auth__SigningKey"] = auth.SigningKey;
        start.Environment["Logging__Console__FormatterName"] = "json";
        start.Environment["Logging__LogLevel__Default"] = "Information";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the server process.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine("stderr: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        string Output() { lock (output) return output.ToString(); }
        try
        {
            using var http = new HttpClient();
            await Poll.UntilAsync(async () =>
            {
                try { return (await http.GetAsync($"http://127.0.0.1:{adminPort}/health/ready")).IsSuccessStatusCode; }
                catch (HttpRequestException) { return false; }
            }, ready => ready || process.HasExited, TimeSpan.FromSeconds(60), "the server to be ready");
            Assert.False(process.HasExited, Output());

            var token = DevTokens.Mint(auth, "desk-json", [Roles.Supervisor, Roles.Administrator]);
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}", new GrpcChannelOptions
            {
                UnsafeUseInsecureChannelCallCredentials = true,
                Credentials = ChannelCredentials.Create(ChannelCredentials.Insecure, CallCredentials.FromInterceptor((_, m) =>
                {
                    m.Add("authorization", $"Bearer {token}");
                    return Task.CompletedTask;
                })),
            });
            var org = await Sample.OrganizationAsync(new OrganizationService.OrganizationServiceClient(channel));
            var complaints = new ComplaintService.ComplaintServiceClient(channel);
            var intake = new Activity("intake desk submits and dispatches").SetIdFormat(ActivityIdFormat.W3C).Start();
            var c = await complaints.SubmitComplaintAsync(Sample.Complaint());
            await complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = org.Station });
            intake.Stop();

            var about = await Poll.UntilAsync(() => Task.FromResult(LinesAbout(Output(), c.CaseNumber)),
                lines => lines.Any(l => l.GetProperty("EventId").GetInt32() == 1001) && lines.Any(l => l.GetProperty("EventId").GetInt32() == 1002),
                what: $"the log lines of {c.CaseNumber}'s receipt and dispatch");

            // Every line of standard output is one JSON object.
            foreach (var line in Output().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("stderr: ", StringComparison.Ordinal)))
                Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(line).RootElement.ValueKind);
            Assert.All(about, line =>
            {
                var scopes = line.GetProperty("Scopes").EnumerateArray().ToList();
                Assert.Contains(scopes, s => s.TryGetProperty("trace_id", out var t) && t.GetString() == intake.TraceId.ToHexString());
                Assert.Contains(scopes, s => s.TryGetProperty("TraceId", out var t) && t.GetString() == intake.TraceId.ToHexString());
            });
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>The parsed lines whose scopes name <paramref name="caseNumber"/>.</summary>
    private static List<JsonElement> LinesAbout(string output, string caseNumber) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith('{'))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(e => e.TryGetProperty("Scopes", out var scopes) && scopes.EnumerateArray()
                .Any(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("case_number", out var n) && n.GetString() == caseNumber))];
}
