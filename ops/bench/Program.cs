using System.Diagnostics;
using System.Globalization;
using System.Text;
using ComplaintGrpc.Bench;
using Grpc.Net.Client;
using Npgsql;

// The benchmark harness (see ops/bench.sh, which builds, starts PostgreSQL, mints tokens and calls this). It starts the
// server and the worker as real processes, seeds, runs every bench with its baseline and writes one markdown table.
//
//   ComplaintGrpc.Bench [--quick] [--cases N] [--storm-rate R] [--storm-seconds S] --out FILE
// Environment: BENCH_CONNECTION, BENCH_SERVER_DLL, BENCH_WORKER_DLL, BENCH_LOGS, BENCH_PIDS, BENCH_SIGNING_KEY_FILE,
//   BENCH_INTAKE_TOKEN, BENCH_ADMIN_TOKEN, BENCH_GRPC_PORT, BENCH_ADMIN_PORT.

string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
string Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : throw new InvalidOperationException($"{name} is not set");
void Say(string text) => Console.Error.WriteLine($"bench {DateTime.UtcNow:HH:mm:ss}: {text}");

var quick = args.Contains("--quick");
var cases = int.Parse(Arg("--cases") ?? (quick ? "10000" : "1000000"), CultureInfo.InvariantCulture);
var scale = quick ? Scale.Quick(cases)
    : Scale.Full(cases, double.Parse(Arg("--storm-rate") ?? "300", CultureInfo.InvariantCulture),
        TimeSpan.FromSeconds(double.Parse(Arg("--storm-seconds") ?? "120", CultureInfo.InvariantCulture)));
var output = Arg("--out") ?? throw new InvalidOperationException("--out FILE is required");
var connection = Env("BENCH_CONNECTION");
var grpcPort = int.Parse(Env("BENCH_GRPC_PORT"), CultureInfo.InvariantCulture);
var adminPort = int.Parse(Env("BENCH_ADMIN_PORT"), CultureInfo.InvariantCulture);
var logs = Env("BENCH_LOGS");
var pids = Environment.GetEnvironmentVariable("BENCH_PIDS");

var serverEnv = new Dictionary<string, string>
{
    ["ConnectionStrings__Complaints"] = connection,
    ["Server__GrpcPort"] = grpcPort.ToString(CultureInfo.InvariantCulture),
    ["Server__AdminPort"] = adminPort.ToString(CultureInfo.InvariantCulture),
    ["Auth__SigningKeyFile"] = Env("BENCH_SIGNING_KEY_FILE"),
    // One intake system sends the whole load: the per-caller limit must not be what is measured.
    ["Limits__SubmitPerSecond"] = "100000",
    ["Limits__SubmitBurst"] = "100000",
    ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
};
var workerEnv = new Dictionary<string, string> { ["ConnectionStrings__Complaints"] = connection, ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" };
var server = new HostProcess("server", Env("BENCH_SERVER_DLL"), Path.Combine(logs, "server.log"), serverEnv, pids);
HostProcess? worker = null;

await using var db = new NpgsqlDataSourceBuilder(connection + ";Maximum Pool Size=200;Command Timeout=600;Timeout=60").Build();
var org = Organization.Province(95598);
var seeder = new Seeder(db, org);
var channels = Enumerable.Range(0, 4).Select(_ => GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}", new GrpcChannelOptions
{
    HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
})).ToArray();

async Task<HostProcess> StartWorkerAsync()
{
    var w = new HostProcess("worker", Env("BENCH_WORKER_DLL"), Path.Combine(logs, "worker.log"), workerEnv, pids);
    w.Start();
    await HostProcess.WaitForWorkerAsync(w, db, TimeSpan.FromSeconds(120));
    return w;
}

async Task RestartServerAsync()
{
    await server.StopAsync();
    server.Start();
    await HostProcess.WaitForServerAsync(server, adminPort, TimeSpan.FromSeconds(120));
}

var benches = new Benches(scale, db, seeder, channels, Env("BENCH_INTAKE_TOKEN"), Env("BENCH_ADMIN_TOKEN"), server, RestartServerAsync, Say);
var failures = new List<ResultRow>();
async Task Run(string name, Func<Task> bench)
{
    try
    {
        await bench();
    }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        Say($"{name} failed: {e}");
        failures.Add(new ResultRow(name, "the bench itself failed", $"failed: {e.GetType().Name}: {e.Message.Split('\n')[0]}", "-", "-", "-", "**failed**"));
    }
}

var total = Stopwatch.StartNew();
var seedSeconds = 0.0;
var exit = 0;
try
{
    Say($"starting the server ({(quick ? "quick" : "full")} run, {cases:N0} cases)");
    server.Start();
    await HostProcess.WaitForServerAsync(server, adminPort, TimeSpan.FromSeconds(120));
    await using (var extension = db.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
    {
        // The statement profile in the notes; bench.sh preloads the library. Without it the notes say less, nothing fails.
        try { await extension.ExecuteNonQueryAsync(); }
        catch (PostgresException e) { Say($"no statement profile: {e.MessageText}"); }
    }
    await seeder.OrganizationAsync();
    Say($"seeded {org.Units.Count} units ({org.Stations.Count} stations) and {org.Handlers.Count} handlers");
    worker = await StartWorkerAsync();
    benches.Worker = worker;

    await Run("sweep (small)", benches.SweepSmallAsync);
    worker = benches.Worker;

    Say($"bulk seeding {cases:N0} cases (worker stopped meanwhile)");
    await worker.StopAsync();
    seedSeconds = await seeder.BulkAsync(cases, DateTimeOffset.UtcNow, Say);
    var counts = await Counts(db);
    Say($"seeded in {seedSeconds:0} s: {counts}");
    Say($"seeded clocks: {await ClockCounts(db)}");
    worker = await StartWorkerAsync();
    benches.Worker = worker;

    await Run("sweep", () => benches.SweepLargeAsync(cases));
    // The report runs before the enforcement set adds its open cases: 1M cases, about 200k open.
    await Run("report", () => benches.ReportAsync(cases));
    await Run("monthly report", () => benches.MonthlyReportAsync(cases));
    await Run("get", () => benches.GetAsync(cases));
    await Run("list", () => benches.ListAsync(cases));
    await Run("enforcement rate", benches.EnforcementAsync);
    await Run("submit", benches.SubmitAsync);
    await Run("submit latency", benches.SubmitLatencyAsync);
    await Run("intake storm", benches.StormAsync);
    benches.Memory();
    worker = benches.Worker;

    var table = Render(benches.Rows.Concat(failures).ToList(), counts, seedSeconds, total.Elapsed, quick);
    Console.WriteLine(table);
    await File.WriteAllTextAsync(output, table);
    exit = failures.Count == 0 ? 0 : 3;
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    Say($"the harness could not run: {e}");
    exit = 1;
}
finally
{
    worker = benches.Worker ?? worker;
    if (worker is not null) await worker.StopAsync();
    await server.StopAsync();
    Say($"done in {total.Elapsed.TotalMinutes:0.0} min");
}
return exit;

static async Task<string> Counts(NpgsqlDataSource db)
{
    await using var cmd = db.CreateCommand("""
        SELECT (SELECT count(*) FROM complaints), (SELECT count(*) FROM complaints WHERE status <> 'Closed'),
               (SELECT count(*) FROM complaint_events), (SELECT count(*) FROM case_clocks),
               pg_size_pretty(pg_database_size(current_database()))
        """);
    await using var r = await cmd.ExecuteReaderAsync();
    await r.ReadAsync();
    return string.Create(CultureInfo.InvariantCulture,
        $"{r.GetInt64(0):N0} cases ({r.GetInt64(1):N0} open), {r.GetInt64(2):N0} history events, {r.GetInt64(3):N0} clocks, database {r.GetString(4)}");
}

// What the seeded clocks leave for the worker: as the server and worker write them, almost nothing is due right away
// (only milestones of the last few seconds before the seeding's "now") and every running clock has a next_action_at.
static async Task<string> ClockCounts(NpgsqlDataSource db)
{
    await using var cmd = db.CreateCommand("""
        SELECT count(*) FILTER (WHERE next_action_at <= now()), count(*) FILTER (WHERE stopped_at IS NULL AND suspended_at IS NULL AND next_action_at IS NULL),
               count(*) FILTER (WHERE enforced_at IS NOT NULL), count(*) FILTER (WHERE breached_at IS NOT NULL)
        FROM case_clocks
        """);
    await using var r = await cmd.ExecuteReaderAsync();
    await r.ReadAsync();
    return string.Create(CultureInfo.InvariantCulture,
        $"{r.GetInt64(0):N0} due now, {r.GetInt64(1):N0} running without next_action_at (past their last escalation), {r.GetInt64(2):N0} with enforced_at, {r.GetInt64(3):N0} breached");
}

static string Render(IReadOnlyList<ResultRow> rows, string counts, double seedSeconds, TimeSpan elapsed, bool quick)
{
    static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);
    var b = new StringBuilder();
    b.AppendLine(CultureInfo.InvariantCulture, $"Data: {counts} (seeded by binary COPY in {seedSeconds:0} s). Run took {elapsed.TotalMinutes:0.0} min{(quick ? " (--quick)" : "")}.");
    b.AppendLine();
    b.AppendLine("| bench | what | figure | baseline in the same run | ratio | goal | |");
    b.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
    foreach (var r in rows)
        b.AppendLine(CultureInfo.InvariantCulture, $"| {Cell(r.Bench)} | {Cell(r.What)} | {Cell(r.Figure)} | {Cell(r.Baseline)} | {r.Ratio} | {Cell(r.Goal)} | {r.Verdict} |");
    var notes = rows.Where(r => r.Note.Length > 0).ToList();
    if (notes.Count > 0)
    {
        b.AppendLine();
        foreach (var r in notes)
            b.AppendLine(CultureInfo.InvariantCulture, $"- {r.Bench}: {r.Note}");
    }
    return b.ToString();
}
