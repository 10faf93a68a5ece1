using System.Data;
using System.Diagnostics;
using System.Text;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Storage;
using Dapper;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ComplaintGrpc.Reporting;

/// <summary>
/// Computes, stores and reads backlog reports; used alike by the server (RPCs), the worker's nightly trigger and the
/// administrator's Hangfire job. A report is stored once per date: computing a date again replaces its figures in the
/// same row and adds one to its generation, so reruns and a double firing never leave two reports for one date.
/// </summary>
public sealed class BacklogReports(NpgsqlDataSource db, CalendarStore calendars, TimeProvider clock, IOptions<ReportOptions> options,
    ILogger<BacklogReports> logger)
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public TimeZoneInfo Zone => options.Value.Zone;

    public ReportWindow WindowOf(DateOnly date) => new(date, Zone);

    /// <summary>Yesterday, local: the latest date whose cut-off has passed.</summary>
    public DateOnly LatestCompleteDate() => ReportWindow.LatestCompleteDate(clock.GetUtcNow(), Zone);

    /// <summary>Records that a run was asked for (before it is handed to Hangfire), so the run is on record even if
    /// the job never starts.</summary>
    public async Task RecordRequestAsync(Guid runId, DateOnly date, ReportTrigger trigger, string requestedBy, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO report_runs (run_id, report_date, trigger, requested_by, node, requested_at)
            VALUES (@runId, @date, @trigger, @requestedBy, '', @now) ON CONFLICT (run_id) DO NOTHING
            """, new { runId, date = date.ToDateTime(TimeOnly.MinValue), trigger = TriggerName(trigger), requestedBy, now = clock.GetUtcNow().UtcDateTime },
            cancellationToken: ct));
    }

    /// <summary>
    /// Computes the report of <paramref name="date"/> as at its cut-off, stores it (replacing an earlier one) and
    /// writes the files when an output folder is configured. Safe to run twice for the same run id or date: the
    /// run row and the report row are upserts.
    /// </summary>
    public async Task<BacklogReport> RunAsync(Guid runId, DateOnly date, ReportTrigger trigger, string requestedBy,
        DateTimeOffset? scheduledFor, CancellationToken ct)
    {
        var window = WindowOf(date);
        var started = Stopwatch.GetTimestamp();
        var node = $"{Environment.MachineName}:{Environment.ProcessId}";
        await using var connection = await db.OpenConnectionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO report_runs (run_id, report_date, trigger, requested_by, scheduled_for, node, requested_at)
            VALUES (@runId, @date, @trigger, @requestedBy, @scheduledFor, @node, @now)
            ON CONFLICT (run_id) DO UPDATE SET node = excluded.node, error = NULL
            """, new
        {
            runId, date = date.ToDateTime(TimeOnly.MinValue), trigger = TriggerName(trigger), requestedBy,
            scheduledFor = scheduledFor?.UtcDateTime, node, now = clock.GetUtcNow().UtcDateTime,
        }, cancellationToken: ct));

        try
        {
            var calendar = await calendars.CurrentAsync(ct);
            BacklogReport report;
            bool covered;
            await using (var read = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct))
            {
                (report, covered) = await BacklogReportQuery.ComputeAsync(connection, read, window, calendar, options.Value.CommandTimeoutSeconds, ct);
                await read.CommitAsync(ct);
            }
            if (!covered)
                ReportLog.CalendarNotCovered(logger, window.DateText);

            var generatedAt = clock.GetUtcNow();
            var durationMs = (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            ComplaintGrpc.Storage.Telemetry.ComplaintTelemetry.ReportDuration.Record(durationMs / 1000.0, ComplaintGrpc.Storage.Telemetry.ComplaintTelemetry.Tag("report", "backlog"));
            report.Summary = null;
            await using var tx = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO reports (report_date, cut_off, time_zone, figures, figures_proto, generated_at, generation, trigger, requested_by, duration_ms, calendar_covered)
                VALUES (@date, @cutOff, @zone, NULL, @figures, @generatedAt, 1, @trigger, @requestedBy, @durationMs, @covered)
                ON CONFLICT (report_date) DO UPDATE SET
                    cut_off = excluded.cut_off, time_zone = excluded.time_zone, figures = NULL, figures_proto = excluded.figures_proto,
                    generated_at = excluded.generated_at, generation = reports.generation + 1, trigger = excluded.trigger,
                    requested_by = excluded.requested_by, duration_ms = excluded.duration_ms, calendar_covered = excluded.calendar_covered
                """, new
            {
                date = date.ToDateTime(TimeOnly.MinValue), cutOff = window.CutOff.UtcDateTime, zone = window.Zone.Id,
                figures = report.ToByteArray(), generatedAt = generatedAt.UtcDateTime, trigger = TriggerName(trigger),
                requestedBy, durationMs, covered,
            }, tx, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE report_runs SET finished_at = @now WHERE run_id = @runId", new { runId, now = generatedAt.UtcDateTime }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);

            var stored = await GetAsync(connection, date, ct) ?? throw new InvalidOperationException("The report just stored is missing.");
            var triggerName = TriggerName(trigger);
            ReportLog.Computed(logger, window.DateText, stored.Summary.Generation, triggerName, runId, durationMs, stored.Total.Open, stored.Total.OverdueClocks);
            await WriteFilesAsync(stored, ct);
            return stored;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            ReportLog.Failed(logger, window.DateText, runId, e);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE report_runs SET error = @error WHERE run_id = @runId", new { runId, error = e.GetType().Name + ": " + e.Message },
                cancellationToken: CancellationToken.None));
            throw;
        }
    }

    /// <summary>The stored report of <paramref name="date"/>, or the latest when null; null when there is none.</summary>
    public async Task<BacklogReport?> GetAsync(DateOnly? date, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await GetAsync(connection, date, ct);
    }

    /// <summary>At most <paramref name="limit"/> stored reports, newest first, of dates before <paramref name="before"/> when set.</summary>
    public async Task<IReadOnlyList<ReportSummary>> ListAsync(int limit, DateOnly? before, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<ReportRow>(new CommandDefinition(
            $"SELECT {SummaryColumns} FROM reports WHERE @before::date IS NULL OR report_date < @before::date ORDER BY report_date DESC LIMIT @limit",
            new { limit, before = before?.ToDateTime(TimeOnly.MinValue) }, cancellationToken: ct));
        return rows.Select(r => r.ToSummary()).ToList();
    }

    private const string SummaryColumns = "report_date, cut_off, time_zone, generated_at, generation, trigger, requested_by, duration_ms, calendar_covered";

    private static async Task<BacklogReport?> GetAsync(NpgsqlConnection connection, DateOnly? date, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<ReportRow>(new CommandDefinition(
            $"SELECT {SummaryColumns}, figures::text AS figures, figures_proto FROM reports WHERE @date::date IS NULL OR report_date = @date::date ORDER BY report_date DESC LIMIT 1",
            new { date = date?.ToDateTime(TimeOnly.MinValue) }, cancellationToken: ct));
        if (row is null)
            return null;
        // Binary since migration 0008; reports stored before it keep their protobuf JSON.
        var report = row.FiguresProto is { } binary ? BacklogReport.Parser.ParseFrom(binary) : Parser.Parse<BacklogReport>(row.Figures!);
        report.Summary = row.ToSummary();
        return report;
    }

    private async Task WriteFilesAsync(BacklogReport report, CancellationToken ct)
    {
        var folder = options.Value.OutputFolder;
        if (string.IsNullOrWhiteSpace(folder))
            return;
        Directory.CreateDirectory(folder);
        var date = report.Summary.ReportDate;
        async Task Write(string name, byte[] content)
        {
            // Written beside and moved over the old file: a reader never sees half a report.
            var path = Path.Combine(folder, name);
            var temporary = path + ".tmp";
            await File.WriteAllBytesAsync(temporary, content, ct);
            File.Move(temporary, path, overwrite: true);
        }
        await Write(ReportFiles.FileName(date, ReportFormat.Html, ReportTable.Unspecified), ReportHtml.Render(report));
        foreach (var table in ReportCsv.Tables)
            await Write(ReportFiles.FileName(date, ReportFormat.Csv, table), ReportCsv.Render(report, table));
        ReportLog.Written(logger, date, folder);
    }

    public static string TriggerName(ReportTrigger trigger) => trigger switch
    {
        ReportTrigger.Schedule => "Schedule",
        ReportTrigger.Administrator => "Administrator",
        _ => throw new ArgumentOutOfRangeException(nameof(trigger)),
    };

    private sealed class ReportRow
    {
        public DateTime ReportDate { get; init; }
        public DateTime CutOff { get; init; }
        public string TimeZone { get; init; } = "";
        public DateTime GeneratedAt { get; init; }
        public int Generation { get; init; }
        public string Trigger { get; init; } = "";
        public string RequestedBy { get; init; } = "";
        public int DurationMs { get; init; }
        public bool CalendarCovered { get; init; }
        public string? Figures { get; init; }
        public byte[]? FiguresProto { get; init; }

        public ReportSummary ToSummary() => new()
        {
            ReportDate = DateOnly.FromDateTime(ReportDate).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            CutOffTime = CutOff.AsTimestamp(),
            TimeZone = TimeZone,
            GeneratedTime = GeneratedAt.AsTimestamp(),
            Generation = Generation,
            Trigger = Trigger == "Schedule" ? ReportTrigger.Schedule : ReportTrigger.Administrator,
            RequestedBy = RequestedBy,
            Duration = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(DurationMs)),
            CalendarCovered = CalendarCovered,
        };
    }
}

/// <summary>File names and content types of the rendered outputs.</summary>
public static class ReportFiles
{
    public static string FileName(string date, ReportFormat format, ReportTable table) => format == ReportFormat.Html
        ? $"backlog-{date}.html"
        : $"backlog-{date}-{ReportCsv.Slug(table)}.csv";

    public static string ContentType(ReportFormat format) =>
        format == ReportFormat.Html ? "text/html; charset=utf-8" : "text/csv; charset=utf-8";

    public static byte[] Render(BacklogReport report, ReportFormat format, ReportTable table) =>
        format == ReportFormat.Html ? ReportHtml.Render(report) : ReportCsv.Render(report, table);

    internal static readonly Encoding Utf8NoBom = new UTF8Encoding(false);
}
