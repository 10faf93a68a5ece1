using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace ComplaintGrpc.Reporting;

/// <summary>The rectification section of the overnight report (ops/README.md, "Rectification"): as at the cut-off,
/// from the stored timestamps, in the report's own transaction. Two counts and two capped lists.</summary>
public static class RectificationReport
{
    /// <summary>How many rectifications each list holds; the counts cover them all.</summary>
    public const int Listed = 100;

    // Open at the cut-off: opened before it and neither completed nor cancelled by then (rectifications_open_due serves
    // those still open now; those closed since are few).
    private const string OpenAtCutOff = """
        r.opened_at < @cutOff AND (r.completed_at IS NULL OR r.completed_at >= @cutOff) AND (r.cancelled_at IS NULL OR r.cancelled_at >= @cutOff)
        """;

    public static async Task<RectificationFigures> ComputeAsync(NpgsqlConnection connection, NpgsqlTransaction tx, ReportWindow window,
        int commandTimeoutSeconds, CancellationToken ct)
    {
        var p = new { cutOff = window.CutOff.UtcDateTime, from = window.RateWindowStart.UtcDateTime, listed = Listed };
        CommandDefinition Command(string sql) => new(sql, p, tx, commandTimeoutSeconds, cancellationToken: ct);
        var counts = await connection.QuerySingleAsync<(int Open, int Overdue, int Failed, int Met)>(Command($"""
            SELECT (SELECT count(*)::int FROM rectifications r WHERE {OpenAtCutOff}),
                   (SELECT count(*)::int FROM rectifications r WHERE {OpenAtCutOff} AND r.due_at <= @cutOff),
                   (SELECT count(*)::int FROM rectifications r WHERE r.evaluated_at >= @from AND r.evaluated_at < @cutOff AND r.status = 'NotMet'),
                   (SELECT count(*)::int FROM rectifications r WHERE r.evaluated_at >= @from AND r.evaluated_at < @cutOff AND r.status = 'Met')
            """));
        var figures = new RectificationFigures { Open = counts.Open, Overdue = counts.Overdue, Failed = counts.Failed, Met = counts.Met };
        var overdue = await connection.QueryAsync<AlertRow>(Command($"""
            SELECT r.id, r.owner_unit_id, r.due_at, r.target_reduction_percent, r.plan, 0 AS before_count, 0 AS after_count
            FROM rectifications r WHERE {OpenAtCutOff} AND r.due_at <= @cutOff
            ORDER BY r.due_at, r.id LIMIT @listed
            """));
        figures.OverdueList.AddRange(overdue.Select(r => r.ToAlert(window.CutOff)));
        var failed = await connection.QueryAsync<AlertRow>(Command("""
            SELECT r.id, r.owner_unit_id, r.due_at, r.target_reduction_percent, r.plan, r.before_count, r.after_count
            FROM rectifications r WHERE r.evaluated_at >= @from AND r.evaluated_at < @cutOff AND r.status = 'NotMet'
            ORDER BY r.evaluated_at DESC, r.id LIMIT @listed
            """));
        figures.FailedList.AddRange(failed.Select(r => r.ToAlert(null)));
        return figures;
    }

    /// <summary>The section of the HTML page: the counts and the two lists.</summary>
    public static void AppendHtml(System.Text.StringBuilder h, RectificationFigures f, TimeZoneInfo zone)
    {
        static string E(string text) => System.Net.WebUtility.HtmlEncode(text);
        var inv = CultureInfo.InvariantCulture;
        h.Append(inv, $"<h2>整改</h2><p id=\"rectification-counts\">整改中: {f.Open} · 超期: {f.Overdue} · 近30日评估未达标: {f.Failed} · 达标: {f.Met}</p>");
        h.Append("<h3>超期整改</h3><table id=\"table-rectifications-overdue\"><tr><th>整改</th><th>责任单位</th><th>到期</th><th>超期天数</th><th>目标降幅</th><th>方案</th></tr>");
        foreach (var a in f.OverdueList)
            h.Append(inv, $"<tr><td>{E(a.RectificationId)}</td><td>{E(a.OwnerUnitId)}</td><td>{E(ReportText.Local(a.DueTime, zone))}</td><td class=n>{a.DaysOverdue}</td><td class=n>{a.TargetReductionPercent}%</td><td>{E(Short(a.Plan))}</td></tr>");
        h.Append("</table><h3>评估未达标整改 (近30日)</h3><table id=\"table-rectifications-failed\"><tr><th>整改</th><th>责任单位</th><th>整改前</th><th>整改后</th><th>变化</th><th>目标降幅</th><th>方案</th></tr>");
        foreach (var a in f.FailedList)
            h.Append(inv, $"<tr><td>{E(a.RectificationId)}</td><td>{E(a.OwnerUnitId)}</td><td class=n>{a.BeforeCount}</td><td class=n>{a.AfterCount}</td><td class=n>{a.ChangePercent:0.0}%</td><td class=n>{a.TargetReductionPercent}%</td><td>{E(Short(a.Plan))}</td></tr>");
        h.Append("</table>");
    }

    /// <summary>The CSV table: the counts, then one row per listed rectification, the first column saying which.</summary>
    public static IEnumerable<object[]> CsvRows(RectificationFigures f, TimeZoneInfo zone)
    {
        yield return ["指标", "整改", "责任单位", "到期时间", "超期天数", "目标降幅%", "整改前", "整改后", "变化%", "数值"];
        yield return ["整改中", "", "", "", "", "", "", "", "", f.Open];
        yield return ["超期", "", "", "", "", "", "", "", "", f.Overdue];
        yield return ["近30日评估未达标", "", "", "", "", "", "", "", "", f.Failed];
        yield return ["近30日评估达标", "", "", "", "", "", "", "", "", f.Met];
        foreach (var a in f.OverdueList)
            yield return ["超期整改", a.RectificationId, a.OwnerUnitId, ReportText.Local(a.DueTime, zone), a.DaysOverdue, a.TargetReductionPercent, "", "", "", ""];
        foreach (var a in f.FailedList)
            yield return ["未达标整改", a.RectificationId, a.OwnerUnitId, ReportText.Local(a.DueTime, zone), "", a.TargetReductionPercent,
                a.BeforeCount, a.AfterCount, a.ChangePercent.ToString("0.0", CultureInfo.InvariantCulture), ""];
    }

    private static string Short(string plan) => plan.Length <= 60 ? plan : plan[..60] + "…";

    private sealed class AlertRow
    {
        public Guid Id { get; init; }
        public string OwnerUnitId { get; init; } = "";
        public DateTime DueAt { get; init; }
        public int TargetReductionPercent { get; init; }
        public string Plan { get; init; } = "";
        public int BeforeCount { get; init; }
        public int AfterCount { get; init; }

        public RectificationAlert ToAlert(DateTimeOffset? cutOff) => new()
        {
            RectificationId = Id.ToString(),
            OwnerUnitId = OwnerUnitId,
            DueTime = Timestamp.FromDateTime(DateTime.SpecifyKind(DueAt, DateTimeKind.Utc)),
            DaysOverdue = cutOff is { } c ? (int)Math.Floor((c - new DateTimeOffset(DateTime.SpecifyKind(DueAt, DateTimeKind.Utc))).TotalDays) : 0,
            TargetReductionPercent = TargetReductionPercent,
            BeforeCount = BeforeCount,
            AfterCount = AfterCount,
            ChangePercent = BeforeCount == 0 ? 0 : (AfterCount - BeforeCount) * 100.0 / BeforeCount,
            Plan = Plan,
        };
    }
}
