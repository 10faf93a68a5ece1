using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Reporting;
using ComplaintGrpc.Server.Evaluation;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Security;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Hangfire;
using Microsoft.AspNetCore.Authorization;

namespace ComplaintGrpc.Server.Reports;

/// <summary>complaints.v1.ReportService: reads stored backlog reports, renders them as files, and lets an administrator
/// (re)compute a past date, within the call or as a Hangfire job for the worker.</summary>
public sealed partial class ReportEndpoint(BacklogReports reports, OverdueClocks overdueClocks, IBackgroundJobClient jobs, TimeProvider clock,
    AnalysisReports analysisReports)
    : ReportService.ReportServiceBase
{
    private readonly AnalysisReports _analysisReports = analysisReports;
    private const int ChunkBytes = 64 * 1024;
    private const int DefaultOverduePage = 100, MaxOverduePage = 1000;

    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task<BacklogReport> GetBacklogReport(GetBacklogReportRequest request, ServerCallContext context) =>
        await StoredAsync(request.ReportDate, context.CancellationToken);

    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task<ListReportsResponse> ListReports(ListReportsRequest request, ServerCallContext context)
    {
        if (request.PageSize is < 0 or > 366)
            throw DomainException.Invalid("page_size", "must be between 1 and 366 (0 means 30)");
        var size = request.PageSize == 0 ? 30 : request.PageSize;
        // Keyset on the report date (unique, newest first): the page continues before the last date of the previous one.
        var after = KeyPageToken.Decode(request, request.PageToken, ClearPaging);
        DateOnly? before = null;
        if (after.Length > 0)
        {
            before = DateOnly.TryParseExact(after, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
                ? d
                : throw DomainException.Invalid("page_token", "is not a token from this list");
        }
        var rows = (await reports.ListAsync(size + 1, before, context.CancellationToken)).ToList();
        var (page, next) = KeyPageToken.Page(rows, size, r => r.ReportDate, request, ClearPaging);
        return new ListReportsResponse { Reports = { page }, NextPageToken = next };

        static void ClearPaging(ListReportsRequest r) { r.PageSize = 0; r.PageToken = ""; }
    }

    [Authorize(Roles = Roles.Administrator)]
    public override async Task<RunBacklogReportResponse> RunBacklogReport(RunBacklogReportRequest request, ServerCallContext context)
    {
        var date = ParseDate(request.ReportDate, required: true)!.Value;
        var window = reports.WindowOf(date);
        if (window.CutOff > clock.GetUtcNow())
        {
            throw new DomainException(ErrorKind.FailedPrecondition, "REPORT_DATE_NOT_PAST",
                $"The cut-off of {window.DateText} (24:00 {window.Zone.Id}) has not passed yet.",
                metadata: new Dictionary<string, string> { ["report_date"] = window.DateText });
        }

        var runId = Guid.CreateVersion7(clock.GetUtcNow());
        var actor = Caller.Of(context).Actor;
        if (request.Wait)
        {
            var report = await reports.RunAsync(runId, date, ReportTrigger.Administrator, actor, null, context.CancellationToken);
            return new RunBacklogReportResponse { RunId = runId.ToString(), Report = report };
        }
        await reports.RecordRequestAsync(runId, date, ReportTrigger.Administrator, actor, context.CancellationToken);
        jobs.Enqueue<BacklogReportJob>(j => j.RunAsync(runId, window.DateText, actor, CancellationToken.None));
        return new RunBacklogReportResponse { RunId = runId.ToString() };
    }

    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task DownloadReport(DownloadReportRequest request, IServerStreamWriter<ReportChunk> responseStream, ServerCallContext context)
    {
        new RequestValidator()
            .Enum("format", request.Format)
            .Check(request.Format != ReportFormat.Csv || request.Table != ReportTable.Unspecified, "table", "is required for CSV")
            .Check(request.Format != ReportFormat.Html || request.Table == ReportTable.Unspecified, "table", "must be unset for HTML")
            .Check(System.Enum.IsDefined(request.Table), "table", "is not a known table")
            .ThrowIfInvalid();
        var report = await StoredAsync(request.ReportDate, context.CancellationToken);
        var bytes = ReportFiles.Render(report, request.Format, request.Table);
        for (var offset = 0; offset < bytes.Length || offset == 0; offset += ChunkBytes)
        {
            var chunk = new ReportChunk { Data = ByteString.CopyFrom(bytes, offset, Math.Min(ChunkBytes, bytes.Length - offset)) };
            if (offset == 0)
            {
                chunk.FileName = ReportFiles.FileName(report.Summary.ReportDate, request.Format, request.Table);
                chunk.ContentType = ReportFiles.ContentType(request.Format);
            }
            await responseStream.WriteAsync(chunk, context.CancellationToken);
            if (bytes.Length == 0)
                break;
        }
    }

    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task<ListOverdueClocksResponse> ListOverdueClocks(ListOverdueClocksRequest request, ServerCallContext context)
    {
        var filter = OverdueFilter(new RequestValidator()
            .Check(request.PageSize is >= 0 and <= MaxOverduePage, "page_size", $"must be between 1 and {MaxOverduePage} (0 means {DefaultOverduePage})"),
            request.UnitId, request.Clock, request.Category);
        var pageSize = request.PageSize == 0 ? DefaultOverduePage : request.PageSize;
        var fingerprint = PageToken.Fingerprint(request, r => { r.PageSize = 0; r.PageToken = ""; });
        var (asOf, after) = OverdueToken.Decode(request.PageToken, fingerprint) ?? (clock.GetUtcNow(), null);

        var rows = await overdueClocks.PageAsync(filter, asOf, after, pageSize + 1, context.CancellationToken) ?? throw UnitNotFound(request.UnitId);
        var response = new ListOverdueClocksResponse { AsOf = Timestamp.FromDateTimeOffset(asOf) };
        response.Clocks.AddRange(rows.Take(pageSize).Select(r => r.Alert));
        if (rows.Count > pageSize)
            response.NextPageToken = OverdueToken.Encode(asOf, rows[pageSize - 1].Position, fingerprint);
        return response;
    }

    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task DownloadOverdueClocks(DownloadOverdueClocksRequest request, IServerStreamWriter<ReportChunk> responseStream,
        ServerCallContext context)
    {
        var filter = OverdueFilter(new RequestValidator(), request.UnitId, request.Clock, request.Category);
        var asOf = clock.GetUtcNow();
        var local = TimeZoneInfo.ConvertTime(asOf, reports.Zone);
        var fileName = $"overdue-clocks-{local.ToString("yyyy-MM-dd-HHmm", CultureInfo.InvariantCulture)}.csv";
        await using var chunks = new ChunkStream(responseStream, fileName, ReportFiles.ContentType(ReportFormat.Csv), context.CancellationToken);
        if (!await overdueClocks.WriteCsvAsync(filter, asOf, reports.Zone, chunks, context.CancellationToken))
            throw UnitNotFound(request.UnitId);
        await chunks.FlushAsync(context.CancellationToken);
    }

    private static OverdueClocks.Filter OverdueFilter(RequestValidator v, string unitId, ClockKind clockKind, Category category)
    {
        v.Identifier("unit_id", unitId, RequestValidator.UnitIdPattern(), "an existing unit id or empty", required: false)
            .Enum("clock", clockKind, required: false)
            .Enum("category", category, required: false)
            .ThrowIfInvalid();
        return new OverdueClocks.Filter(unitId, clockKind, category);
    }

    private static DomainException UnitNotFound(string unitId) => DomainException.NotFound("UNIT_NOT_FOUND", $"No unit {unitId}.");

    private async Task<BacklogReport> StoredAsync(string reportDate, CancellationToken ct)
    {
        var date = ParseDate(reportDate, required: false);
        return await reports.GetAsync(date, ct) ?? throw DomainException.NotFound("REPORT_NOT_FOUND",
            date is null ? "No backlog report has been stored yet." : $"No backlog report is stored for {reportDate}.");
    }

    private static DateOnly? ParseDate(string text, bool required)
    {
        if (text.Length == 0 && !required)
            return null;
        if (!ReportWindow.TryParseDate(text, out var date))
            throw DomainException.Invalid("report_date", required ? "is required, as yyyy-MM-dd" : "must be yyyy-MM-dd or empty for the latest");
        // Complaints exist from 2000 on; far-off dates would overflow the cut-off arithmetic.
        if (date.Year is < 2000 or > 2200)
            throw DomainException.Invalid("report_date", "must be between 2000-01-01 and 2200-12-31");
        return date;
    }
}
