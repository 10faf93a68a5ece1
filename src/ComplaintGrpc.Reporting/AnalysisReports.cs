using System.Data;
using System.Diagnostics;
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
/// Computes, stores and reads the monthly analysis reports, for the server (RPCs) and the worker's monthly trigger.
/// A month is stored once: runs of one month are serialised by a PostgreSQL advisory lock, and a run that is not
/// replacing returns the stored report when there is one, so concurrent runs, a double firing and a catch-up all leave
/// one report computed once. A replacing run updates the row in place (generation + 1).
/// </summary>
public sealed class AnalysisReports(NpgsqlDataSource db, TimeProvider clock, IOptions<ReportOptions> options, ILogger<AnalysisReports> logger)
{
    public TimeZoneInfo Zone => options.Value.Zone;

    /// <summary>The latest month whose cut-off has passed: last month, local.</summary>
    public AnalysisMonth LatestCompleteMonth() => AnalysisMonth.Before(clock.GetUtcNow(), Zone);

    public bool IsComplete(AnalysisMonth month) => month.CutOff <= clock.GetUtcNow();

    /// <summary>The report of <paramref name="month"/>: the stored one unless <paramref name="replace"/>, else computed
    /// now and stored. Computed is false when the stored report was returned.</summary>
    public async Task<(AnalysisReport Report, bool Computed)> RunAsync(AnalysisMonth month, bool replace, ReportTrigger trigger, string requestedBy,
        DateTimeOffset? scheduledFor, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var lockKey = $"analysis-report:{month.Text}";
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(hashtextextended(@lockKey, 0))", new { lockKey }, cancellationToken: ct));
        try
        {
            if (!replace && await GetAsync(connection, month.FirstDay, ct) is { } stored)
                return (stored, false);
            return (await ComputeAndStoreAsync(connection, month, trigger, requestedBy, scheduledFor, ct), true);
        }
        finally
        {
            // A broken connection has lost its session and with it the lock; an open one releases it here.
            if (connection.State == ConnectionState.Open)
                await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_unlock(hashtextextended(@lockKey, 0))", new { lockKey }, cancellationToken: CancellationToken.None));
        }
    }

    private async Task<AnalysisReport> ComputeAndStoreAsync(NpgsqlConnection connection, AnalysisMonth month, ReportTrigger trigger, string requestedBy,
        DateTimeOffset? scheduledFor, CancellationToken ct)
    {
        var runId = Guid.CreateVersion7(clock.GetUtcNow());
        var started = Stopwatch.GetTimestamp();
        var triggerName = BacklogReports.TriggerName(trigger);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO report_runs (run_id, kind, report_date, trigger, requested_by, scheduled_for, node, requested_at)
            VALUES (@runId, 'Monthly', @month, @trigger, @requestedBy, @scheduledFor, @node, @now)
            """, new
        {
            runId, month = month.FirstDay.ToDateTime(TimeOnly.MinValue), trigger = triggerName, requestedBy, scheduledFor = scheduledFor?.UtcDateTime,
            node = $"{Environment.MachineName}:{Environment.ProcessId}", now = clock.GetUtcNow().UtcDateTime,
        }, cancellationToken: ct));
        try
        {
            AnalysisReport report;
            await using (var read = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct))
            {
                report = await AnalysisReportQuery.ComputeAsync(connection, read, month, options.Value.CommandTimeoutSeconds, ct);
                await read.CommitAsync(ct);
            }
            var generatedAt = clock.GetUtcNow();
            var durationMs = (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            ComplaintGrpc.Storage.Telemetry.ComplaintTelemetry.ReportDuration.Record(durationMs / 1000.0, ComplaintGrpc.Storage.Telemetry.ComplaintTelemetry.Tag("report", "analysis"));
            await using var tx = await connection.BeginTransactionAsync(ct);
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO analysis_reports (month, period_start, cut_off, time_zone, figures_proto, generated_at, generation, trigger, requested_by, duration_ms, run_id)
                VALUES (@month, @start, @cutOff, @zone, @figures, @generatedAt, 1, @trigger, @requestedBy, @durationMs, @runId)
                ON CONFLICT (month) DO UPDATE SET
                    period_start = excluded.period_start, cut_off = excluded.cut_off, time_zone = excluded.time_zone,
                    figures_proto = excluded.figures_proto, generated_at = excluded.generated_at, generation = analysis_reports.generation + 1,
                    trigger = excluded.trigger, requested_by = excluded.requested_by, duration_ms = excluded.duration_ms, run_id = excluded.run_id
                """, new
            {
                month = month.FirstDay.ToDateTime(TimeOnly.MinValue), start = month.Start.UtcDateTime, cutOff = month.CutOff.UtcDateTime, zone = month.Zone.Id,
                figures = report.ToByteArray(), generatedAt = generatedAt.UtcDateTime, trigger = triggerName, requestedBy, durationMs, runId,
            }, tx, cancellationToken: ct));
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE report_runs SET finished_at = @now WHERE run_id = @runId", new { runId, now = generatedAt.UtcDateTime }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);

            var stored = await GetAsync(connection, month.FirstDay, ct) ?? throw new InvalidOperationException("The report just stored is missing.");
            AnalysisReportLog.Computed(logger, month.Text, stored.Summary.Generation, triggerName, runId, durationMs, stored.Received.Current);
            return stored;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            AnalysisReportLog.Failed(logger, month.Text, runId, e);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE report_runs SET error = @error WHERE run_id = @runId", new { runId, error = e.GetType().Name + ": " + e.Message },
                cancellationToken: CancellationToken.None));
            throw;
        }
    }

    /// <summary>The stored report of <paramref name="month"/>, or the latest when null; null when there is none.</summary>
    public async Task<AnalysisReport?> GetAsync(AnalysisMonth? month, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        return await GetAsync(connection, month?.FirstDay, ct);
    }

    /// <summary>Newest month first, months before <paramref name="before"/> when given.</summary>
    public async Task<IReadOnlyList<AnalysisReportSummary>> ListAsync(int limit, DateOnly? before, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {SummaryColumns} FROM analysis_reports WHERE @before::date IS NULL OR month < @before::date ORDER BY month DESC LIMIT @limit",
            new { limit, before = before?.ToDateTime(TimeOnly.MinValue) }, cancellationToken: ct));
        return rows.Select(r => r.ToSummary()).ToList();
    }

    private const string SummaryColumns = "month, period_start, cut_off, time_zone, generated_at, generation, trigger, requested_by, duration_ms, run_id";

    private static async Task<AnalysisReport?> GetAsync(NpgsqlConnection connection, DateOnly? month, CancellationToken ct)
    {
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {SummaryColumns}, figures_proto FROM analysis_reports WHERE @month::date IS NULL OR month = @month::date ORDER BY month DESC LIMIT 1",
            new { month = month?.ToDateTime(TimeOnly.MinValue) }, cancellationToken: ct));
        if (row is null)
            return null;
        var report = AnalysisReport.Parser.ParseFrom(row.FiguresProto);
        report.Summary = row.ToSummary();
        return report;
    }

    private sealed class Row
    {
        public DateTime Month { get; init; }
        public DateTime PeriodStart { get; init; }
        public DateTime CutOff { get; init; }
        public string TimeZone { get; init; } = "";
        public DateTime GeneratedAt { get; init; }
        public int Generation { get; init; }
        public string Trigger { get; init; } = "";
        public string RequestedBy { get; init; } = "";
        public int DurationMs { get; init; }
        public Guid RunId { get; init; }
        public byte[] FiguresProto { get; init; } = [];

        public AnalysisReportSummary ToSummary() => new()
        {
            Month = Month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
            PeriodStartTime = PeriodStart.AsTimestamp(),
            CutOffTime = CutOff.AsTimestamp(),
            TimeZone = TimeZone,
            GeneratedTime = GeneratedAt.AsTimestamp(),
            Generation = Generation,
            Trigger = Trigger == "Schedule" ? ReportTrigger.Schedule : ReportTrigger.Administrator,
            RequestedBy = RequestedBy,
            Duration = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(DurationMs)),
            RunId = RunId.ToString(),
        };
    }
}

internal static partial class AnalysisReportLog
{
    [LoggerMessage(EventId = 3010, Level = LogLevel.Information,
        Message = "Monthly analysis report {Month} computed (generation {Generation}, {Trigger}, run {RunId}) in {DurationMs} ms: {Received} received")]
    public static partial void Computed(ILogger logger, string month, int generation, string trigger, Guid runId, long durationMs, int received);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Error, Message = "Monthly analysis report {Month} (run {RunId}) failed")]
    public static partial void Failed(ILogger logger, string month, Guid runId, Exception exception);
}
