using ComplaintGrpc.Contracts.V1;
using Hangfire;

namespace ComplaintGrpc.Reporting;

/// <summary>
/// An administrator's run as a Hangfire job, so it shows (with its retries and failures) in the dashboard. The server
/// enqueues it; the worker runs it. Takes ids and a date, not objects. At least once: a retried or repeated run
/// recomputes the same date and replaces the stored report, so running it twice does no harm.
/// </summary>
public sealed class BacklogReportJob(BacklogReports reports)
{
    [AutomaticRetry(Attempts = 3)]
    [JobDisplayName("Backlog report {1} (run {0})")]
    public async Task RunAsync(Guid runId, string reportDate, string requestedBy, CancellationToken cancellationToken)
    {
        if (!ReportWindow.TryParseDate(reportDate, out var date))
            throw new ArgumentException($"Not a yyyy-MM-dd date: {reportDate}", nameof(reportDate));
        await reports.RunAsync(runId, date, ReportTrigger.Administrator, requestedBy, null, cancellationToken);
    }
}
