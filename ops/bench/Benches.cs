using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Lifecycle;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.Storage;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using NpgsqlTypes;

namespace ComplaintGrpc.Bench;

/// <summary>One line of the result table.</summary>
public sealed record ResultRow(string Bench, string What, string Figure, string Baseline, string Ratio, string Goal, string Verdict, string Note = "");

/// <summary>How big each bench is: the full run, or the small one of <c>--quick</c>.</summary>
public sealed record Scale(int Cases, int SweepClocks, TimeSpan SweepLead, TimeSpan SweepWindow, TimeSpan SweepWait, int Backlog,
    TimeSpan BacklogFirstWait, TimeSpan BacklogObserve, TimeSpan SubmitRun, TimeSpan GetRun, int ListWalks, double StormRate, TimeSpan StormRun)
{
    public static Scale Full(int cases, double stormRate, TimeSpan storm) => new(cases, 10_000, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60),
        TimeSpan.FromSeconds(60), 100_000, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(90), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(15), 3,
        stormRate, storm);

    public static Scale Quick(int cases) => new(cases, 200, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5),
        TimeSpan.FromSeconds(20), 2_000, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), 1,
        50, TimeSpan.FromSeconds(5));
}

public sealed class Benches(Scale scale, NpgsqlDataSource db, Seeder seeder, GrpcChannel[] channels, string intakeToken, string adminToken,
    HostProcess server, Func<Task> restartServer, Action<string> say)
{
    private HostProcess _worker = null!;
    private readonly List<ResultRow> _rows = [];
    private int _channel;
    private readonly string _run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
    private double _sweepSmallP99 = double.NaN;
    private double _sweepSmallMissing;
    private (double Submit, double Report) _serverMb, _workerMb;

    private static readonly string[] ClosedStatus = ["Closed"];

    /// <summary>Discarded calls before a measured run: connections opened, code paths jitted, pools filled.</summary>
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(1);

    public IReadOnlyList<ResultRow> Rows => _rows;

    public HostProcess Worker { get => _worker; set => _worker = value; }

    private ComplaintService.ComplaintServiceClient Complaints() => new(channels[Interlocked.Increment(ref _channel) % channels.Length]);

    private static Metadata Auth(string token) => new() { { "authorization", "Bearer " + token } };

    private static string F(double v, string format = "N0") => double.IsNaN(v) ? "-" : v.ToString(format, CultureInfo.InvariantCulture);

    private static string Ratio(double figure, double baseline) => baseline > 0 && !double.IsNaN(figure) ? (figure / baseline).ToString("0.00", CultureInfo.InvariantCulture) : "-";

    private static string Verdict(bool met) => met ? "met" : "**missed**";

    // ---------------------------------------------------------------- sweep lateness

    /// <summary>Clocks falling due within one window: cases whose FirstContact clock (Special: 2 h) reaches its 50 %
    /// reminder at an instant spread over the window. Lateness = notification created_at − milestone_at.</summary>
    public async Task<(double P99, int Missing, double P50)> SweepAsync(string label)
    {
        var now = DateTimeOffset.UtcNow;
        var windowStart = now + scale.SweepLead;
        var plans = Enumerable.Range(0, scale.SweepClocks).Select(i =>
        {
            var reminderAt = windowStart + scale.SweepWindow * (i / (double)scale.SweepClocks);
            return new CasePlan(reminderAt - TimeSpan.FromHours(1), CaseStatus.Accepted, now, Level.Special, Compact: true);
        }).ToList();
        var cases = await seeder.CasesAsync(plans, seed: 95598 + scale.SweepClocks);
        var ids = cases.Select(c => c.Complaint.Id).ToArray();
        say($"sweep ({label}): {ids.Length:N0} clocks fall due between {windowStart:HH:mm:ss} and {windowStart + scale.SweepWindow:HH:mm:ss} UTC");
        var until = windowStart + scale.SweepWindow + scale.SweepWait;
        long sent = 0;
        while (DateTimeOffset.UtcNow < until)
        {
            await Task.Delay(2000);
            sent = await ScalarAsync<long>("SELECT count(*) FROM notifications WHERE complaint_id = ANY($1) AND milestone = 'reminder-50'", ids);
            if (sent >= ids.Length) break;
        }
        var lateness = new List<double>();
        await using (var cmd = db.CreateCommand("""
            SELECT extract(epoch FROM created_at - milestone_at)::float8 FROM notifications
            WHERE complaint_id = ANY($1) AND milestone = 'reminder-50'
            """))
        {
            cmd.Parameters.AddWithValue(ids);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync()) lateness.Add(reader.GetDouble(0));
        }
        var missing = ids.Length - lateness.Count;
        // A reminder not raised by the end of the wait is at least that late.
        var waited = (DateTimeOffset.UtcNow - windowStart).TotalSeconds;
        lateness.AddRange(Enumerable.Repeat(waited, Math.Max(0, missing)));
        lateness.Sort();
        double P(double q) => lateness.Count == 0 ? double.NaN : lateness[Math.Clamp((int)Math.Ceiling(q / 100 * lateness.Count) - 1, 0, lateness.Count - 1)];
        say($"sweep ({label}): p50 {P(50):F1} s, p99 {P(99):F1} s, {missing} not raised");
        await StopDueSetAsync(ids);
        return (P(99), missing, P(50));
    }

    public async Task SweepSmallAsync()
    {
        var (p99, missing, _) = await SweepAsync("small");
        _sweepSmallP99 = p99;
        _sweepSmallMissing = missing;
    }

    public async Task SweepLargeAsync(long cases)
    {
        var (p99, missing, p50) = await SweepAsync("large");
        string Text(double p, double m) => m > 0 ? $"p99 > {F(p, "0.0")} s ({F(m)} not raised)" : $"p99 {F(p, "0.0")} s";
        _rows.Add(new ResultRow("sweep", $"{scale.SweepClocks:N0} clocks due within {scale.SweepWindow.TotalSeconds:0} s among {cases:N0} cases: lateness to the reminder row",
            Text(p99, missing) + $", p50 {F(p50, "0.0")} s", $"{Text(_sweepSmallP99, _sweepSmallMissing)} with {scale.SweepClocks:N0} cases in total",
            Ratio(p99, _sweepSmallP99), "p99 ≤ 30 s; ratio ≤ 1.5", Verdict(missing == 0 && p99 <= 30 && p99 / _sweepSmallP99 <= 1.5)));
    }

    // ---------------------------------------------------------------- enforcement rate

    /// <summary>A backlog of clocks due at once. The worker acts on it in set-based batches within its sweep firings, so
    /// the rate is taken from the reminder rows themselves (first to last created_at: each batch stamps its own now)
    /// and from the worker's own log (event 2010: clocks per second within a firing); statements (pg_stat_statements; COMMIT among them) and worker CPU
    /// are counted from before the set is written until the last reminder row (the few COPY statements of the seeding
    /// included).</summary>
    public async Task EnforcementAsync()
    {
        var now = DateTimeOffset.UtcNow;
        // Due now: the reminder fell due within the last minute, after the worker last looked (ten minutes in).
        var plans = Enumerable.Range(0, scale.Backlog).Select(i =>
        {
            var received = now - TimeSpan.FromHours(1) - TimeSpan.FromSeconds(60.0 * i / scale.Backlog);
            return new CasePlan(received, CaseStatus.Accepted, received + TimeSpan.FromMinutes(10), Level.Special, Compact: true);
        }).ToList();
        var logFrom = new FileInfo(_worker.LogPath).Length;
        var cpu0 = _worker.CpuSeconds();
        var statements0 = await StatementsAsync();
        say($"enforcement: seeding a backlog of {plans.Count:N0} due clocks");
        var cases = await seeder.CasesAsync(plans, seed: 7);
        var written = Stopwatch.StartNew();
        var ids = cases.Select(c => c.Complaint.Id).ToArray();
        var due = await ScalarAsync<long>("SELECT count(*) FROM case_clocks WHERE complaint_id = ANY($1) AND clock = 'FirstContact' AND next_action_at <= now()", ids);
        say($"enforcement: {due:N0} FirstContact clocks due; watching the worker for up to {(scale.BacklogFirstWait + scale.BacklogObserve).TotalSeconds:0} s");

        const string acted = "SELECT count(*) FROM notifications WHERE complaint_id = ANY($1) AND milestone = 'reminder-50'";
        long count = 0;
        // Every 2 s: at 100,000 ids the count itself takes about 0.1 s of the database, which the worker shares.
        while (written.Elapsed < scale.BacklogFirstWait + scale.BacklogObserve && (count = await ScalarAsync<long>(acted, ids)) < due)
            await Task.Delay(2000);
        var seconds = written.Elapsed.TotalSeconds;
        var cpu1 = _worker.CpuSeconds();
        var profile = Profile(statements0, await StatementsAsync(), count, "clock acted on");
        // The firing logs when it is done; give it a moment after the last row.
        var sweeps = SweepLog(logFrom);
        for (var i = 0; i < 20 && sweeps.Firings == 0; i++)
        {
            await Task.Delay(500);
            sweeps = SweepLog(logFrom);
        }
        double span;
        await using (var cmd = db.CreateCommand("""
            SELECT extract(epoch FROM max(created_at) - min(created_at))::float8 FROM notifications
            WHERE complaint_id = ANY($1) AND milestone = 'reminder-50'
            """))
        {
            cmd.Parameters.AddWithValue(ids);
            span = await cmd.ExecuteScalarAsync() is double d ? d : double.NaN;
        }
        var rate = span > 0 ? count / span : double.NaN;
        var logRate = sweeps.Seconds > 0 ? sweeps.Clocks / sweeps.Seconds : double.NaN;
        var cpu = (cpu1 - cpu0) / seconds * 100;
        say($"enforcement: {count:N0} of {due:N0} acted on; {rate:F0} clocks/s first to last row, {logRate:F0} clocks/s by the worker's log; worker CPU {cpu:F0} %");
        var headline = double.IsNaN(rate) ? logRate : rate;
        _rows.Add(new ResultRow("enforcement rate", $"clocks acted on per second, backlog of {due:N0} due",
            $"{F(rate)}/s first to last reminder row; {F(logRate)}/s within the worker's sweep firings (its log)", "-", "-", "≥ 2,000/s",
            Verdict(count == due && headline >= 2000),
            $"{count:N0} of {due:N0} acted on, the last {seconds:0} s after the set was written (the sweep fires every 15 s); " +
            $"{sweeps.Text}; worker CPU {cpu:0} % of one core over those {seconds:0} s; {profile}"));
        await StopDueSetAsync(ids);
    }

    /// <summary>What is left of a due set must not load the benches after it: its remaining clocks are parked
    /// (next_action_at NULL). Only this set is touched; a batch the worker is acting on finishes (it is idempotent).</summary>
    private async Task StopDueSetAsync(Guid[] ids)
    {
        var left = await ScalarAsync<long>("""
            SELECT count(*) FROM case_clocks k WHERE k.complaint_id = ANY($1) AND k.clock = 'FirstContact'
              AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.complaint_id = k.complaint_id AND n.milestone = 'reminder-50')
            """, ids);
        if (left == 0) return;
        say($"parking {left:N0} clocks of the set the worker has not reached");
        await ExecAsync("UPDATE case_clocks SET next_action_at = NULL WHERE complaint_id = ANY($1)", ids);
    }

    /// <summary>The worker's own account of its sweeps since <paramref name="from"/> (log event 2010, "Deadline sweep acted
    /// on N clock(s) of M case(s) in T ms (R clocks/s)"): firings, clocks acted on and seconds spent sweeping.</summary>
    private (int Firings, long Clocks, double Seconds, string Text) SweepLog(long from)
    {
        using var stream = new FileStream(_worker.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(from, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        var sweeps = System.Text.RegularExpressions.Regex.Matches(text,
                @"Deadline sweep acted on (\d+) clock\(s\) of (\d+) case\(s\) in (\d+) ms")
            .Select(m => (Clocks: long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Ms: long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)))
            .Where(m => m.Clocks > 0)
            .ToList();
        if (sweeps.Count == 0) return (0, 0, 0, "the worker logged no deadline sweep that acted on clocks");
        var clocks = sweeps.Sum(s => s.Clocks);
        var seconds = sweeps.Sum(s => s.Ms) / 1000.0;
        return (sweeps.Count, clocks, seconds,
            $"worker log: {sweeps.Count} sweep firing(s) acted on {clocks:N0} clocks in {seconds:0.0} s of sweeping ({string.Join(", ", sweeps.Select(s => $"{s.Clocks:N0} in {s.Ms:N0} ms"))})");
    }

    // ---------------------------------------------------------------- get and list

    public async Task GetAsync(long cases)
    {
        var ids = new List<Guid>();
        await using (var cmd = db.CreateCommand("SELECT id FROM complaints TABLESAMPLE BERNOULLI (5) LIMIT 20000"))
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        var idText = ids.Select(i => i.ToString()).ToArray();
        const int callers = 16;
        var auth = Auth(adminToken);
        say($"get: {callers} callers, {scale.GetRun.TotalSeconds:0} s each, gRPC then bare SQL");
        async Task Get(long n, CancellationToken ct) =>
            await Complaints().GetComplaintAsync(new GetComplaintRequest { Id = idText[n % idText.Length] }, auth, cancellationToken: ct);
        await Load.ClosedAsync(callers, Warmup, Get);
        var statements0 = await StatementsAsync();
        var cpu0 = server.CpuSeconds();
        var grpc = await Load.ClosedAsync(callers, scale.GetRun, Get);
        var cpu = (server.CpuSeconds() - cpu0) / grpc.Seconds * 100;
        var profile = Profile(statements0, await StatementsAsync(), grpc.Count, "get");
        var bare = await Load.ClosedAsync(callers, scale.GetRun, async (n, ct) =>
        {
            await using var cmd = db.CreateCommand("SELECT * FROM complaints WHERE id = $1");
            cmd.Parameters.AddWithValue(ids[(int)(n % ids.Count)]);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) { }
        });
        _rows.Add(new ResultRow("get", $"GetComplaint at {cases:N0} cases, {callers} callers",
            $"{F(grpc.PerSecond)}/s, p50 {F(grpc.P(50), "0.00")} ms, p99 {F(grpc.P(99), "0.0")} ms{Errors(grpc)}",
            $"{F(bare.PerSecond)}/s, p50 {F(bare.P(50), "0.00")} ms (bare PK SELECT)", Ratio(grpc.PerSecond, bare.PerSecond), "≥ 0.5",
            Verdict(grpc.ErrorCount == 0 && grpc.PerSecond / bare.PerSecond >= 0.5),
            $"server CPU {cpu:0} % of one core during the gRPC run (the load generator shares the 2 cores); {profile}"));
    }

    public async Task ListAsync(long cases)
    {
        var unit = await ScalarAsync<string>("SELECT unit_id FROM complaints WHERE unit_id IS NOT NULL AND status = 'Closed' GROUP BY unit_id ORDER BY count(*) DESC LIMIT 1");
        var auth = Auth(adminToken);
        var grpc = new Samples();
        var bare = new Samples();
        var pages = 0;
        say($"list: unit {unit}, status Closed, 50 per page, every page by token, {scale.ListWalks} walk(s)");
        await Complaints().ListComplaintsAsync(new ListComplaintsRequest { UnitId = unit, Statuses = { CaseStatus.Closed }, PageSize = 50 }, auth);
        var listCpu = 0.0;
        var listStatements0 = await StatementsAsync();
        var grpcPages = 0;
        for (var walk = 0; walk < scale.ListWalks; walk++)
        {
            var token = "";
            var walkCpu0 = server.CpuSeconds();
            pages = 0;
            var watch = Stopwatch.StartNew();
            do
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    var page = await Complaints().ListComplaintsAsync(new ListComplaintsRequest
                    {
                        UnitId = unit, Statuses = { CaseStatus.Closed }, PageSize = 50, PageToken = token,
                    }, auth, deadline: DateTime.UtcNow.AddSeconds(60));
                    grpc.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    token = page.NextPageToken;
                }
                catch (RpcException e)
                {
                    grpc.Fail(e);
                    break;
                }
                pages++;
            } while (token.Length > 0 && pages < 200);
            grpc.Seconds += watch.Elapsed.TotalSeconds;
            listCpu += server.CpuSeconds() - walkCpu0;
            grpcPages += pages;

            Guid? after = null;
            for (var p = 0; p < pages; p++)
            {
                var start = Stopwatch.GetTimestamp();
                await using var cmd = db.CreateCommand(after is null
                    ? "SELECT c.* FROM complaints c WHERE true AND c.status = ANY($1) AND c.unit_id = $2 ORDER BY c.id DESC LIMIT 51"
                    : "SELECT c.* FROM complaints c WHERE true AND c.status = ANY($1) AND c.unit_id = $2 AND c.id < $3 ORDER BY c.id DESC LIMIT 51");
                cmd.Parameters.AddWithValue(ClosedStatus);
                cmd.Parameters.AddWithValue(unit);
                if (after is { } a) cmd.Parameters.AddWithValue(a);
                var read = 0;
                Guid last = default;
                await using (var reader = await cmd.ExecuteReaderAsync())
                    while (await reader.ReadAsync())
                        if (++read <= 50) last = reader.GetGuid(0);
                bare.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                after = last;
            }
        }
        _rows.Add(new ResultRow("list", $"ListComplaints unit + status, 50 per page, {pages} pages deep by token, at {cases:N0} cases",
            $"p99 {F(grpc.P(99), "0.0")} ms, p50 {F(grpc.P(50), "0.0")} ms{Errors(grpc)}", $"p99 {F(bare.P(99), "0.0")} ms, p50 {F(bare.P(50), "0.0")} ms (bare keyset query)",
            Ratio(grpc.P(99), bare.P(99)), "≤ 2×", Verdict(grpc.ErrorCount == 0 && grpc.P(99) / bare.P(99) <= 2),
            $"server CPU {listCpu / grpc.Seconds * 100:0} % of one core while walking ({grpcPages} pages in {grpc.Seconds:0.0} s); statements per page over the whole bench (gRPC and bare walks): {Profile(listStatements0, await StatementsAsync(), grpcPages, "page")}"));
    }

    // ---------------------------------------------------------------- report

    public async Task ReportAsync(long cases)
    {
        var zone = DeadlineCalculator.DefaultZone;
        var date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime).AddDays(-1);
        var cutOffLocal = date.AddDays(1).ToDateTime(TimeOnly.MinValue);
        var cutOff = new DateTimeOffset(cutOffLocal, zone.GetUtcOffset(cutOffLocal)).UtcDateTime;
        var open = await ScalarAsync<long>("SELECT count(*) FROM complaints WHERE status <> 'Closed'");
        server.ResetPeak();
        _worker.ResetPeak();

        say($"report: RunBacklogReport {date:yyyy-MM-dd} (wait) over {cases:N0} cases, {open:N0} open");
        var client = new ReportService.ReportServiceClient(channels[0]);
        var watch = Stopwatch.StartNew();
        string figure;
        double seconds;
        var ok = false;
        long messageBytes = 0;
        try
        {
            var response = await client.RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Wait = true },
                Auth(adminToken), deadline: DateTime.UtcNow.AddSeconds(900));
            seconds = watch.Elapsed.TotalSeconds;
            messageBytes = response.CalculateSize();
            figure = $"{seconds:0.0} s end to end";
            ok = true;
        }
        catch (RpcException e)
        {
            seconds = watch.Elapsed.TotalSeconds;
            figure = $"failed: {e.StatusCode} after {seconds:0.0} s";
        }
        _serverMb.Report = server.PeakRssMb();
        _workerMb.Report = _worker.PeakRssMb();
        // Stored figures: the binary protobuf (migration 0008), or the JSON text of a report stored before it.
        var stored = await ScalarAsync<long?>(
            "SELECT coalesce(octet_length(figures_proto), octet_length(figures::text))::bigint FROM reports WHERE report_date = $1", date);

        // The same grouping, bare: open cases by unit, status, category, level and channel, and their overdue running clocks.
        var bare = Stopwatch.StartNew();
        await ExecAsync("SELECT unit_id, status, category, level, channel, count(*) FROM complaints WHERE status <> 'Closed' GROUP BY 1, 2, 3, 4, 5");
        await ExecAsync("""
            SELECT c.unit_id, k.clock, count(*), count(DISTINCT c.id) FROM complaints c JOIN case_clocks k ON k.complaint_id = c.id
            WHERE c.status NOT IN ('Closed', 'Suspended') AND k.stopped_at IS NULL AND k.due_at <= $1 GROUP BY 1, 2
            """, cutOff);
        var baseline = bare.Elapsed.TotalSeconds;
        if (ok) await ExplainReportAsync(client, date);
        say($"report: {figure}; bare GROUP BY {baseline:0.00} s; stored figures {stored?.ToString(CultureInfo.InvariantCulture) ?? "none"} bytes");
        _rows.Add(new ResultRow("report", $"RunBacklogReport at {cases:N0} cases, {open:N0} open", figure, $"{baseline:0.00} s (bare GROUP BY over open cases and their overdue clocks)",
            ok ? Ratio(seconds, baseline) : "-", "≤ 15 s and ≤ 3×", Verdict(ok && seconds <= 15 && seconds / baseline <= 3)));
        var size = stored is { } s ? $"stored figures {s / 1048576.0:0.00} MiB" : "no stored figures";
        if (ok) size += $", gRPC message {messageBytes / 1048576.0:0.00} MiB";
        _rows.Add(new ResultRow("report size", "stored figures and the RunBacklogReport message", size, "-", "-", "≤ 1 MiB",
            Verdict(stored is { } b && b <= 1048576 && messageBytes <= 1048576)));
    }

    /// <summary>The monthly analysis report of last month (replace = true, so it is computed), against a bare GROUP BY of
    /// the three months' received cases by category, channel and unit; then once more, not timed, under auto_explain.</summary>
    public async Task MonthlyReportAsync(long cases)
    {
        var zone = DeadlineCalculator.DefaultZone;
        var local = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);
        var first = new DateOnly(local.Year, local.Month, 1).AddMonths(-1);
        var month = first.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        DateTime Utc(DateOnly d)
        {
            var midnight = d.ToDateTime(TimeOnly.MinValue);
            return new DateTimeOffset(midnight, zone.GetUtcOffset(midnight)).UtcDateTime;
        }
        var received = await ScalarAsync<long>("SELECT count(*) FROM complaints WHERE received_at >= $1 AND received_at < $2", Utc(first), Utc(first.AddMonths(1)));
        say($"monthly report: RunAnalysisReport {month} over {cases:N0} cases, {received:N0} received in the month");
        var client = new ReportService.ReportServiceClient(channels[0]);
        var watch = Stopwatch.StartNew();
        string figure;
        double seconds;
        var ok = false;
        try
        {
            await client.RunAnalysisReportAsync(new RunAnalysisReportRequest { Month = month, Replace = true }, Auth(adminToken), deadline: DateTime.UtcNow.AddSeconds(900));
            seconds = watch.Elapsed.TotalSeconds;
            figure = $"{seconds:0.00} s end to end";
            ok = true;
        }
        catch (RpcException e)
        {
            seconds = watch.Elapsed.TotalSeconds;
            figure = $"failed: {e.StatusCode} after {seconds:0.0} s";
        }

        var bare = Stopwatch.StartNew();
        foreach (var start in new[] { first, first.AddMonths(-1), first.AddYears(-1) })
        {
            await ExecAsync("SELECT category, sub_category, channel, unit_id, count(*) FROM complaints WHERE received_at >= $1 AND received_at < $2 GROUP BY 1, 2, 3, 4",
                Utc(start), Utc(start.AddMonths(1)));
        }
        var baseline = bare.Elapsed.TotalSeconds;
        if (ok)
        {
            try
            {
                await ExecAsync("ALTER SYSTEM SET auto_explain.log_min_duration = '0'");
                await ExecAsync("ALTER SYSTEM SET auto_explain.log_analyze = on");
                await ExecAsync("ALTER SYSTEM SET auto_explain.log_buffers = on");
                await ExecAsync("SELECT pg_reload_conf()");
                await Task.Delay(500);
                await client.RunAnalysisReportAsync(new RunAnalysisReportRequest { Month = month, Replace = true }, Auth(adminToken), deadline: DateTime.UtcNow.AddSeconds(900));
                say("monthly report: profiled run (auto_explain, not timed); plans in the PostgreSQL log");
            }
            catch (Exception e) when (e is PostgresException or RpcException)
            {
                say($"monthly report: no profile ({e.Message.Split('\n')[0]})");
            }
            finally
            {
                await ExecAsync("ALTER SYSTEM RESET auto_explain.log_min_duration");
                await ExecAsync("ALTER SYSTEM RESET auto_explain.log_analyze");
                await ExecAsync("ALTER SYSTEM RESET auto_explain.log_buffers");
                await ExecAsync("SELECT pg_reload_conf()");
            }
        }
        say($"monthly report: {figure}; bare GROUP BY of the three months {baseline:0.00} s");
        _rows.Add(new ResultRow("monthly report", $"RunAnalysisReport {month} at {cases:N0} cases, {received:N0} received in the month",
            figure, $"{baseline:0.00} s (bare GROUP BY of the three months' received cases)", ok ? Ratio(seconds, baseline) : "-", "≤ 15 s", Verdict(ok && seconds <= 15)));
    }

    /// <summary>The report's profile: it is run once more, not timed, with auto_explain logging the plan of every
    /// statement over 100 ms with actual times and buffers (to the PostgreSQL log, which ops/bench.sh keeps as
    /// .local/bench/postgres.log). Instrumenting every node slows the statements, so the measured run goes without it.</summary>
    private async Task ExplainReportAsync(ReportService.ReportServiceClient client, DateOnly date)
    {
        try
        {
            await ExecAsync("ALTER SYSTEM SET auto_explain.log_min_duration = '100ms'");
            await ExecAsync("ALTER SYSTEM SET auto_explain.log_analyze = on");
            await ExecAsync("ALTER SYSTEM SET auto_explain.log_buffers = on");
            await ExecAsync("SELECT pg_reload_conf()");
            await Task.Delay(500);
            var watch = Stopwatch.StartNew();
            await client.RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), Wait = true },
                Auth(adminToken), deadline: DateTime.UtcNow.AddSeconds(900));
            say($"report: profiled run (auto_explain, not timed for the table) took {watch.Elapsed.TotalSeconds:0.0} s; plans in the PostgreSQL log");
        }
        catch (Exception e) when (e is PostgresException or RpcException)
        {
            say($"report: no profile ({e.Message.Split('\n')[0]})");
        }
        finally
        {
            await ExecAsync("ALTER SYSTEM RESET auto_explain.log_min_duration");
            await ExecAsync("ALTER SYSTEM RESET auto_explain.log_analyze");
            await ExecAsync("ALTER SYSTEM RESET auto_explain.log_buffers");
            await ExecAsync("SELECT pg_reload_conf()");
        }
    }

    // ---------------------------------------------------------------- submit

    private SubmitComplaintRequest NewSubmit(long n) => new()
    {
        RequestId = $"bench-{_run}-{n}",
        Channel = Channel.Phone95598,
        RequestKind = RequestKind.Complaint,
        Category = Category.Outage,
        SubCategory = SubCategory.Outage,
        Level = Level.Normal,
        Customer = new Customer { AccountNumber = "3200000" + (n % 100000).ToString("D5", CultureInfo.InvariantCulture), Name = "压测客户", Phone = "138" + (n % 100000).ToString("D8", CultureInfo.InvariantCulture), CustomerClass = CustomerClass.Residential },
        SiteClass = SiteClass.Urban,
        Description = "客户反映所在小区停电, 要求尽快恢复供电。",
    };

    private long _submitSequence;
    private long _bareSequence;

    private async Task SubmitOnceAsync(CancellationToken ct)
    {
        var n = Interlocked.Increment(ref _submitSequence);
        await Complaints().SubmitComplaintAsync(NewSubmit(n), Auth(intakeToken), deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: ct);
    }

    private static readonly DeadlinePolicy Policy = DeadlinePolicy.Default;
    private static readonly MilestoneOptions MilestoneDefaults = new();
    private const string BareActor = "bench-baseline";

    /// <summary>The server's own submit transaction as bare SQL, statement for statement (SubmitComplaint, CaseClocks,
    /// CaseClocksTable.UpsertAsync, CaseEvents.AppendAsync): the case insert (case number from the sequence), the
    /// clocks computed by the domain and written in one multi-row upsert with next_action_at at each clock's first
    /// milestone, then the history counter and the Submitted event in one statement.</summary>
    private Task BareSubmitAsync(long n, CancellationToken ct) => BareSubmitAsync(db, ct);

    private async Task BareSubmitAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        now = new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero);
        var id = Guid.CreateVersion7(now);
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        string caseNumber;
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO complaints (id, case_number, request_id, request_hash, channel, request_kind, category, sub_category,
                level, skip_level, skip_level_reason, confidential, customer_account_number, customer_name, customer_phone,
                customer_address, customer_class, site_class, supply_unit, substation, feeder, transformer_area, description,
                received_at, created_at, status, updated_at, submitted_by)
            SELECT $1, 'CP' || $2 || lpad(n::text, greatest(6, length(n::text)), '0'), $3, $4, 'Phone95598', 'Complaint', 'Outage', 'Outage',
                'Normal', false, '', false, '320000000001', '压测客户', '13800138000', '', 'Residential', 'Urban', '', '', '', '',
                '客户反映所在小区停电, 要求尽快恢复供电。', $5, $5, 'Received', $5, 'bench-baseline'
            FROM (SELECT nextval('case_number_seq') AS n) seq
            ON CONFLICT (submitted_by, request_id) DO NOTHING
            RETURNING *
            """, connection, tx))
        {
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue(TimeZoneInfo.ConvertTime(now, DeadlineCalculator.DefaultZone).ToString("yyyyMMdd", CultureInfo.InvariantCulture));
            insert.Parameters.AddWithValue($"bare-{_run}-{Interlocked.Increment(ref _bareSequence)}");
            insert.Parameters.AddWithValue(new byte[32]);
            insert.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, now.UtcDateTime);
            await using var reader = await insert.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            caseNumber = reader.GetString(reader.GetOrdinal("case_number"));
        }

        // What CaseClocks.ApplyAsync computes for a submit: no clocks yet, the default zone, nothing on record.
        var state = new CaseState { Status = CaseStatus.Received, ReceivedAt = now, Level = Level.Normal, CustomerClass = CustomerClass.Residential };
        var submitted = new Transition(state with { Status = CaseStatus.Unspecified }, state, CaseAction.Submitted,
            new Dictionary<string, string> { ["case_number"] = caseNumber });
        var limits = Policy.LimitsFor(new CaseAttributes(Channel.Phone95598, RequestKind.Complaint, Level.Normal, CustomerClass.Residential));
        var clocks = ClockPlan.Apply([], submitted, now, limits, WorkingDayCalendar.ChinaDefault(), DeadlineCalculator.DefaultZone);
        var details = new Dictionary<string, string>(submitted.Details);
        foreach (var c in clocks)
            details[$"{c.Kind}.due"] = c.Deadline.DueAt.ToString("O", CultureInfo.InvariantCulture);
        // The same Storage modules the server's submit calls, so the baseline is its very statements without gRPC.
        await CaseClocksTable.UpsertAsync(CaseLocks.Inserted(connection, tx, id),
            [.. clocks.Select(c => new ClockWrite(id, c, Milestones.NextActionAt(c, EnforcementRecord.None, now, MilestoneDefaults)))], ct);
        await CaseEvents.AppendAsync(connection, tx, id, now, BareActor, CaseAction.Submitted, nameof(CaseStatus.Unspecified),
            nameof(CaseStatus.Received), details, ct);
        await tx.CommitAsync(ct);
    }

    private double _maxSubmit;

    public async Task SubmitAsync()
    {
        // A fresh server process: after the report its heap stays large, which is not what submits cost.
        say("submit: restarting the server so its memory peak is the submit benches' own");
        await restartServer();
        server.ResetPeak();
        _worker.ResetPeak();
        foreach (var callers in new[] { 16, 64 })
        {
            say($"submit: {callers} callers, {scale.SubmitRun.TotalSeconds:0} s, bare SQL then gRPC");
            await Load.ClosedAsync(callers, Warmup, (_, ct) => SubmitOnceAsync(ct));
            var bare = await Load.ClosedAsync(callers, scale.SubmitRun, BareSubmitAsync);
            var statements0 = await StatementsAsync();
            var cpu0 = (server.CpuSeconds(), _worker.CpuSeconds());
            var grpc = await Load.ClosedAsync(callers, scale.SubmitRun, (_, ct) => SubmitOnceAsync(ct));
            var profile = Profile(statements0, await StatementsAsync(), grpc.Count, "submit");
            var cpu = ((server.CpuSeconds() - cpu0.Item1) / grpc.Seconds * 100, (_worker.CpuSeconds() - cpu0.Item2) / grpc.Seconds * 100);
            _maxSubmit = Math.Max(_maxSubmit, grpc.PerSecond);
            _rows.Add(new ResultRow("submit", $"SubmitComplaint, {callers} callers, durable",
                $"{F(grpc.PerSecond)}/s, p50 {F(grpc.P(50), "0.0")} ms, p99 {F(grpc.P(99), "0.0")} ms{Errors(grpc)}",
                $"{F(bare.PerSecond)}/s, p99 {F(bare.P(99), "0.0")} ms (same transaction, bare SQL, {callers} connections){Errors(bare)}",
                Ratio(grpc.PerSecond, bare.PerSecond), "≥ 0.5", Verdict(grpc.ErrorCount == 0 && grpc.PerSecond / bare.PerSecond >= 0.5),
                $"{callers} callers: CPU server {cpu.Item1:0} %, worker {cpu.Item2:0} % of one core; {profile}"));
        }
    }

    public async Task SubmitLatencyAsync()
    {
        var rate = Math.Max(1, Math.Round(_maxSubmit / 2));
        say($"submit latency: open loop at {rate:0}/s for {scale.SubmitRun.TotalSeconds:0} s");
        var cpu0 = (server.CpuSeconds(), _worker.CpuSeconds());
        var s = await Load.OpenAsync(rate, scale.SubmitRun, TimeSpan.FromSeconds(30), (_, ct) => SubmitOnceAsync(ct));
        var cpu = ((server.CpuSeconds() - cpu0.Item1) / s.Seconds * 100, (_worker.CpuSeconds() - cpu0.Item2) / s.Seconds * 100);
        _serverMb.Submit = server.PeakRssMb();
        _workerMb.Submit = _worker.PeakRssMb();
        // The same open loop on the bare transaction: how much of the tail is the durable commit on this machine. Its
        // pool is the server's (100 connections), opened beforehand: a pool that grows under load adds backend start-ups
        // the server's warm pool does not pay.
        await using var bareDb = new NpgsqlDataSourceBuilder(db.ConnectionString + ";Maximum Pool Size=100;Minimum Pool Size=100").Build();
        var opened = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => bareDb.OpenConnectionAsync().AsTask()));
        foreach (var c in opened) await c.DisposeAsync();
        var bare = await Load.OpenAsync(rate, scale.SubmitRun, TimeSpan.FromSeconds(30), (_, ct) => BareSubmitAsync(bareDb, ct));
        _rows.Add(new ResultRow("submit latency", $"open loop at half the measured maximum ({rate:0}/s), from the intended send time",
            $"p50 {F(s.P(50), "0.0")} ms, p99 {F(s.P(99), "0.0")} ms{Errors(s)}",
            $"p50 {F(bare.P(50), "0.0")} ms, p99 {F(bare.P(99), "0.0")} ms (same transaction, bare SQL, same open loop){Errors(bare)}",
            Ratio(s.P(99), bare.P(99)), "p99 ≤ 20 ms", Verdict(s.ErrorCount == 0 && s.P(99) <= 20),
            $"p90 {F(s.P(90), "0.0")} ms, p999 {F(s.P(99.9), "0.0")} ms, max {F(s.P(100), "0.0")} ms; CPU server {cpu.Item1:0} %, worker {cpu.Item2:0} % of one core; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end"));
    }

    // ---------------------------------------------------------------- intake storm

    /// <summary>Clocks with a milestone due that the worker has not acted on (it acts on them in its own sweep; no job
    /// per clock is queued anywhere): all of them, and those due for longer than two sweep intervals (30 s), which a
    /// worker that keeps up never leaves (a clock due within the last interval is waiting for the next firing).</summary>
    private async Task<(long Due, long Behind)> BacklogAsync() => (
        await ScalarAsync<long>("SELECT count(*) FROM case_clocks WHERE next_action_at <= now()"),
        await ScalarAsync<long>("SELECT count(*) FROM case_clocks WHERE next_action_at <= now() - interval '30 seconds'"));

    public async Task StormAsync()
    {
        var before = await BacklogAsync();
        say($"intake storm: {scale.StormRate:0}/s for {scale.StormRun.TotalSeconds:0} s (backlog before: {before.Due:N0} due, {before.Behind:N0} for over 30 s)");
        var cpu0 = (server.CpuSeconds(), _worker.CpuSeconds());
        var s = await Load.OpenAsync(scale.StormRate, scale.StormRun, TimeSpan.FromSeconds(30), (_, ct) => SubmitOnceAsync(ct));
        var after = await BacklogAsync();
        var seconds = s.Seconds;
        var cpu = ((server.CpuSeconds() - cpu0.Item1) / seconds * 100, (_worker.CpuSeconds() - cpu0.Item2) / seconds * 100);
        var backlog = after.Behind;
        _rows.Add(new ResultRow("intake storm", $"{scale.StormRun.TotalMinutes:0.#} min of intake at {scale.StormRate:0}/s: worker backlog of due clocks at the end",
            $"{backlog:N0} due for over 30 s ({after.Due:N0} due at all); before: {before.Behind:N0} ({before.Due:N0})", "-", "-", "0 due for over 30 s (keeps up)",
            Verdict(backlog == 0 && s.ErrorCount == 0),
            $"{s.Count:N0} submits ({F(s.Count / seconds)}/s achieved), p99 {F(s.P(99), "0")} ms{Errors(s)}; CPU server {cpu.Item1:0} %, worker {cpu.Item2:0} % of one core"));
    }

    public void Memory()
    {
        _rows.Add(new ResultRow("memory", "peak RSS (VmHWM) of the server during the submit and report benches",
            $"submit {_serverMb.Submit:0} MB, report {_serverMb.Report:0} MB", "-", "-", "≤ 300 MB", Verdict(Math.Max(_serverMb.Submit, _serverMb.Report) <= 300)));
        _rows.Add(new ResultRow("memory", "peak RSS (VmHWM) of the worker during the submit and report benches",
            $"submit {_workerMb.Submit:0} MB, report {_workerMb.Report:0} MB", "-", "-", "≤ 300 MB", Verdict(Math.Max(_workerMb.Submit, _workerMb.Report) <= 300)));
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>pg_stat_statements of this database (empty when the extension is not there): the statement profile of a run.</summary>
    private async Task<Dictionary<long, (string Query, long Calls)>> StatementsAsync()
    {
        var result = new Dictionary<long, (string, long)>();
        try
        {
            await using var cmd = db.CreateCommand("""
                SELECT queryid, query, calls FROM pg_stat_statements
                WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND queryid IS NOT NULL
                """);
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var id = reader.GetInt64(0);
                var calls = reader.GetInt64(2);
                result[id] = result.TryGetValue(id, out var e) ? (e.Item1, e.Item2 + calls) : (reader.GetString(1), calls);
            }
        }
        catch (PostgresException) { }
        return result;
    }

    /// <summary>Statements per operation between two snapshots, all processes together: the total and the most frequent.</summary>
    private static string Profile(Dictionary<long, (string Query, long Calls)> before, Dictionary<long, (string Query, long Calls)> after, double operations, string per)
    {
        if (after.Count == 0 || operations <= 0) return "";
        var diff = after.Select(a => (Query: a.Value.Query, Calls: a.Value.Calls - (before.TryGetValue(a.Key, out var b) ? b.Calls : 0)))
            .Where(d => d.Calls > 0).OrderByDescending(d => d.Calls).ToList();
        static string Short(string q)
        {
            var one = string.Join(' ', q.Split((char[])null!, StringSplitOptions.RemoveEmptyEntries));
            return (one.Length > 70 ? one[..70] + "…" : one).Replace("`", "'", StringComparison.Ordinal);
        }
        var top = string.Join("; ", diff.Take(6).Select(d => $"{(d.Calls / operations).ToString("0.00", CultureInfo.InvariantCulture)} × `{Short(d.Query)}`"));
        return $"{(diff.Sum(d => d.Calls) / operations).ToString("0.0", CultureInfo.InvariantCulture)} statements per {per} (all processes); most frequent: {top}";
    }

    private static string Errors(Samples s) => s.ErrorCount == 0 ? "" : $" ({s.ErrorText()})";


    private async Task<T> ScalarAsync<T>(string sql, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.AddWithValue(a);
        cmd.CommandTimeout = 0;
        var value = await cmd.ExecuteScalarAsync();
        return value is null or DBNull ? default! : (T)value;
    }

    private async Task ExecAsync(string sql, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args) cmd.Parameters.AddWithValue(a);
        cmd.CommandTimeout = 0;
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) { }
    }
}
