using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Reporting;
using ComplaintGrpc.Server.Evaluation;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Security;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace ComplaintGrpc.Server.Reports;

/// <summary>complaints.v1.ReportService, the monthly analysis report (投诉分析报告): read, list, run (administrators,
/// within the call, stored once per month) and download as CSV or HTML.</summary>
public sealed partial class ReportEndpoint
{
    private const int DefaultAnalysisPage = 12, MaxAnalysisPage = 120;

    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task<AnalysisReport> GetAnalysisReport(GetAnalysisReportRequest request, ServerCallContext context) =>
        await StoredAnalysisAsync(request.Month, context.CancellationToken);

    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task<ListAnalysisReportsResponse> ListAnalysisReports(ListAnalysisReportsRequest request, ServerCallContext context)
    {
        if (request.PageSize is < 0 or > MaxAnalysisPage)
            throw DomainException.Invalid("page_size", $"must be between 1 and {MaxAnalysisPage} (0 means {DefaultAnalysisPage})");
        var before = DecodeMonthToken(request);
        var pageSize = request.PageSize == 0 ? DefaultAnalysisPage : request.PageSize;
        var rows = await _analysisReports.ListAsync(pageSize + 1, before, context.CancellationToken);
        var (page, next) = KeyPageToken.Page([.. rows], pageSize, r => r.Month, request, ClearAnalysisPaging);
        return new ListAnalysisReportsResponse { Reports = { page }, NextPageToken = next };
    }

    private static void ClearAnalysisPaging(ListAnalysisReportsRequest r) { r.PageSize = 0; r.PageToken = ""; }

    [Authorize(Roles = Roles.Administrator)]
    public override async Task<RunAnalysisReportResponse> RunAnalysisReport(RunAnalysisReportRequest request, ServerCallContext context)
    {
        var month = ParseMonth(request.Month, required: true)!;
        if (!_analysisReports.IsComplete(month))
        {
            throw new DomainException(ErrorKind.FailedPrecondition, "REPORT_MONTH_NOT_PAST",
                $"The month {month.Text} has not ended yet (00:00 {month.Zone.Id} of the next month's first day).",
                metadata: new Dictionary<string, string> { ["month"] = month.Text });
        }
        var (report, computed) = await _analysisReports.RunAsync(month, request.Replace, ReportTrigger.Administrator, Caller.Of(context).Actor, null,
            context.CancellationToken);
        return new RunAnalysisReportResponse { RunId = report.Summary.RunId, Report = report, Computed = computed };
    }

    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task DownloadAnalysisReport(DownloadAnalysisReportRequest request, IServerStreamWriter<ReportChunk> responseStream,
        ServerCallContext context)
    {
        new RequestValidator()
            .Enum("format", request.Format)
            .Check(request.Format != ReportFormat.Csv || request.Table != AnalysisReportTable.Unspecified, "table", "is required for CSV")
            .Check(request.Format != ReportFormat.Html || request.Table == AnalysisReportTable.Unspecified, "table", "must be unset for HTML")
            .Check(System.Enum.IsDefined(request.Table), "table", "is not a known table")
            .ThrowIfInvalid();
        var report = await StoredAnalysisAsync(request.Month, context.CancellationToken);
        var bytes = AnalysisReportFiles.Render(report, request.Format, request.Table);
        for (var offset = 0; offset < bytes.Length || offset == 0; offset += ChunkBytes)
        {
            var chunk = new ReportChunk { Data = ByteString.CopyFrom(bytes, offset, Math.Min(ChunkBytes, bytes.Length - offset)) };
            if (offset == 0)
            {
                chunk.FileName = AnalysisReportFiles.FileName(report.Summary.Month, request.Format, request.Table);
                chunk.ContentType = ReportFiles.ContentType(request.Format);
            }
            await responseStream.WriteAsync(chunk, context.CancellationToken);
            if (bytes.Length == 0)
                break;
        }
    }

    private async Task<AnalysisReport> StoredAnalysisAsync(string monthText, CancellationToken ct)
    {
        var month = ParseMonth(monthText, required: false);
        return await _analysisReports.GetAsync(month, ct) ?? throw DomainException.NotFound("REPORT_NOT_FOUND",
            month is null ? "No monthly analysis report has been stored yet." : $"No monthly analysis report is stored for {month.Text}.");
    }

    private AnalysisMonth? ParseMonth(string text, bool required)
    {
        if (text.Length == 0 && !required)
            return null;
        if (!AnalysisMonth.TryParse(text, _analysisReports.Zone, out var month))
            throw DomainException.Invalid("month", required ? "is required, as yyyy-MM (2000-01 to 2200-12)" : "must be yyyy-MM (2000-01 to 2200-12) or empty for the latest");
        return month;
    }

    /// <summary>The page token (<see cref="KeyPageToken"/>, as the other lists) keys on the last month listed; the next
    /// page lists the months before it.</summary>
    private static DateOnly? DecodeMonthToken(ListAnalysisReportsRequest request)
    {
        var last = KeyPageToken.Decode(request, request.PageToken, ClearAnalysisPaging);
        if (last.Length == 0)
            return null;
        return AnalysisMonth.TryParse(last, TimeZoneInfo.Utc, out var month)
            ? month.FirstDay
            : throw DomainException.Invalid("page_token", "is not a token from this list with the same filters");
    }
}
