using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.TimeLimits;
using CsvHelper;

namespace ComplaintGrpc.Reporting;

/// <summary>
/// The report's tables as CSV, one file per table: UTF-8 with a byte-order mark (Excel otherwise reads Chinese text
/// as the local ANSI code page), RFC 4180 quoting by CsvHelper, Chinese column headers and category/status names.
/// Rendered from the stored figures only.
/// </summary>
public static class ReportCsv
{
    public static readonly IReadOnlyList<ReportTable> Tables =
        [ReportTable.Backlog, ReportTable.Ageing, ReportTable.Overdue, ReportTable.DueSoon, ReportTable.Flow, ReportTable.Trend, ReportTable.Ranking, ReportTable.Evaluation,
            ReportTable.Rectifications, ReportTable.OutageMatches];

    public static string Slug(ReportTable table) => table switch
    {
        ReportTable.Backlog => "backlog",
        ReportTable.Ageing => "ageing",
        ReportTable.Overdue => "overdue",
        ReportTable.DueSoon => "due-soon",
        ReportTable.Flow => "flow",
        ReportTable.Trend => "trend",
        ReportTable.Ranking => "ranking",
        ReportTable.Evaluation => "evaluation",
        ReportTable.Rectifications => "rectifications",
        ReportTable.OutageMatches => "outage-matches",
        _ => throw new ArgumentOutOfRangeException(nameof(table)),
    };

    public static byte[] Render(BacklogReport report, ReportTable table)
    {
        using var stream = new MemoryStream();
        using (var csv = CsvWriter.Create(stream, new CsvWriterOptions { WriteByteOrderMark = true }, leaveOpen: true))
        {
            void Row(params object[] fields)
            {
                foreach (var field in fields)
                    csv.WriteField(field is string s ? s : Convert.ToString(field, CultureInfo.InvariantCulture));
                csv.EndRecord();
            }
            var zone = TimeZoneInfo.FindSystemTimeZoneById(report.Summary.TimeZone);
            var scopes = Scopes(report).ToList();
            switch (table)
            {
                case ReportTable.Backlog:
                    Row([.. new object[] { "单位编码", "单位名称", "层级", "在途工单" },
                        .. Enum.GetValues<CaseStatus>().Skip(1).Select(s => Taxonomy.ChineseName(s)),
                        .. Enum.GetValues<Category>().Skip(1).Select(c => Taxonomy.ChineseName(c)),
                        .. Enum.GetValues<Level>().Skip(1).Select(ReportText.LevelName),
                        .. Enum.GetValues<Channel>().Skip(1).Select(ReportText.ChannelName)]);
                    foreach (var (id, name, depth, f) in scopes)
                    {
                        Row([id, name, depth, f.Open,
                            .. Enum.GetValues<CaseStatus>().Skip(1).Select(s => (object)(f.ByStatus.FirstOrDefault(x => x.Status == s)?.Count ?? 0)),
                            .. Enum.GetValues<Category>().Skip(1).Select(c => (object)(f.ByCategory.FirstOrDefault(x => x.Category == c)?.Count ?? 0)),
                            .. Enum.GetValues<Level>().Skip(1).Select(l => (object)(f.ByLevel.FirstOrDefault(x => x.Level == l)?.Count ?? 0)),
                            .. Enum.GetValues<Channel>().Skip(1).Select(c => (object)(f.ByChannel.FirstOrDefault(x => x.Channel == c)?.Count ?? 0))]);
                    }
                    break;
                case ReportTable.Ageing:
                    Row(["单位编码", "单位名称", "层级", "在途工单", .. ReportText.AgeingLabels]);
                    foreach (var (id, name, depth, f) in scopes)
                        Row([id, name, depth, f.Open, .. ReportText.AgeingValues(f.Ageing).Cast<object>()]);
                    break;
                case ReportTable.Overdue:
                case ReportTable.DueSoon:
                    var overdue = table == ReportTable.Overdue;
                    Row(AlertHeader(overdue));
                    foreach (var a in overdue ? report.Overdue : report.DueSoon)
                        Row(AlertFields(a, zone, overdue));
                    break;
                case ReportTable.Flow:
                    Row("单位编码", "单位名称", "层级", "当日受理", "当日归档", "当日重开", "当日督办", "按时答复", "答复考核数", "按时答复率",
                        "超时归档", "超时率", "回访满意", "回访总数", "满意率", "近30日受理");
                    foreach (var (id, name, depth, f) in scopes)
                    {
                        var d = f.Flow;
                        Row(id, name, depth, d.Received, d.Closed, d.Reopened, d.Escalated,
                            d.OnTimeReply.Numerator, d.OnTimeReply.Denominator, ReportText.Percent(d.OnTimeReply),
                            d.Breached.Numerator, ReportText.Percent(d.Breached),
                            d.CallbackSatisfied.Numerator, d.CallbackSatisfied.Denominator, ReportText.Percent(d.CallbackSatisfied),
                            f.ReceivedLast30Days);
                    }
                    break;
                case ReportTable.Trend:
                    Row("日期", "受理", "归档");
                    foreach (var t in report.Trend)
                        Row(t.Date, t.Received, t.Closed);
                    break;
                case ReportTable.Ranking:
                    Row("排行", "名次", "单位编码", "单位名称", "数值", "近30日受理", "客户数");
                    foreach (var r in report.TopOverdue)
                        Row("超期时限数", r.Rank, r.UnitId, r.UnitName, r.Value.ToString("0", CultureInfo.InvariantCulture), "", "");
                    foreach (var r in report.TopPer10KCustomers)
                        Row("每万户投诉", r.Rank, r.UnitId, r.UnitName, r.Value.ToString("0.00", CultureInfo.InvariantCulture), r.Complaints, r.CustomerCount);
                    break;
                case ReportTable.Evaluation:
                    var e = report.Evaluation ?? new EvaluationFigures();
                    // Units by id and name, as in the other tables; the name is the report's unit row's (empty for a unit
                    // not among them, e.g. deleted since, and for no reviewer unit).
                    var unitNames = report.Units.ToDictionary(u => u.UnitId, u => u.Name);
                    string NameOf(string unitId) => unitNames.GetValueOrDefault(unitId, "");
                    Row("指标", "单位编码", "单位名称", "分子", "分母", "比率");
                    foreach (var s in e.Substantiation)
                        Row("属实率(近30日归档)", s.UnitId, NameOf(s.UnitId), s.Substantiated.Numerator, s.Substantiated.Denominator, ReportText.Percent(s.Substantiated));
                    foreach (var o in e.Overturns)
                        Row("质检推翻率(按认定单位)", o.ReviewerUnitId, NameOf(o.ReviewerUnitId), o.Overturned.Numerator, o.Overturned.Denominator, ReportText.Percent(o.Overturned));
                    Row("质检待结论", "", "", e.OpenQualityQueue, "", "");
                    foreach (var f in e.FrequentlyComplainedPosts)
                        Row($"频繁被投诉岗位:{f.PostId}", f.UnitId, NameOf(f.UnitId), f.Substantiated, "", "");
                    break;
                case ReportTable.Rectifications:
                    foreach (var row in RectificationReport.CsvRows(report.Rectifications ?? new RectificationFigures(), zone))
                        Row(row);
                    break;
                case ReportTable.OutageMatches:
                    foreach (var row in OutageMatchReport.CsvRows(report.OutageMatches))
                        Row(row);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(table));
            }
        }
        return stream.ToArray();
    }

    /// <summary>The header of a list of clocks: overdue ones (hours overdue) or due-soon ones (hours left).</summary>
    public static string[] AlertHeader(bool overdue) =>
        ["工单编号", "时限", "单位编码", "单位名称", "处理人编码", "处理人", "等级", "投诉分类", "状态", "到期时间", overdue ? "超期小时数" : "剩余小时数"];

    /// <summary>One clock's row under <see cref="AlertHeader"/>; times local to <paramref name="zone"/>.</summary>
    public static string[] AlertFields(ClockAlert a, TimeZoneInfo zone, bool overdue) =>
        [a.CaseNumber, a.Clock.ChineseName(), a.UnitId, a.UnitName, a.HandlerId, a.HandlerName, ReportText.LevelName(a.Level),
            Taxonomy.ChineseName(a.Category), Taxonomy.ChineseName(a.Status), ReportText.Local(a.DueTime, zone),
            ReportText.Hours(overdue ? a.OverdueBy : a.DueIn)];

    /// <summary>The rows of the per-unit tables: the whole organisation, then each unit's subtree in tree order, then the
    /// cases not dispatched to any unit.</summary>
    public static IEnumerable<(string Id, string Name, int Depth, BacklogFigures Figures)> Scopes(BacklogReport report)
    {
        yield return ("", "全部", -1, report.Total);
        foreach (var u in report.Units)
            yield return (u.UnitId, u.Name, u.Depth, u.Subtree);
        yield return ("", "未派单", -1, report.Undispatched);
    }
}
