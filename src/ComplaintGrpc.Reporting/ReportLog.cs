using Microsoft.Extensions.Logging;

namespace ComplaintGrpc.Reporting;

/// <summary>The report's log messages: dates, counts, run ids and paths; never a customer's name or phone.</summary>
internal static partial class ReportLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information,
        Message = "Backlog report {ReportDate} computed (generation {Generation}, {Trigger}, run {RunId}) in {DurationMs} ms: {Open} open, {Overdue} overdue clock(s)")]
    public static partial void Computed(ILogger logger, string reportDate, int generation, string trigger, Guid runId, long durationMs, int open, int overdue);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Backlog report {ReportDate} written to {Folder}")]
    public static partial void Written(ILogger logger, string reportDate, string folder);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Backlog report {ReportDate} (run {RunId}) failed")]
    public static partial void Failed(ILogger logger, string reportDate, Guid runId, Exception exception);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning,
        Message = "Backlog report {ReportDate}: the working-day calendar does not cover every day aged; plain Monday-Friday was used for the rest")]
    public static partial void CalendarNotCovered(ILogger logger, string reportDate);
}
