namespace ComplaintGrpc.Worker;

/// <summary>The worker's log messages. Ids and case numbers only, never a customer's name or phone.</summary>
internal static partial class WorkerLog
{
    [LoggerMessage(EventId = 2000, Level = LogLevel.Information, Message = "Outbox sweep handed {Count} notification(s) to Hangfire")]
    public static partial void OutboxHandedOver(ILogger logger, int count);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Notification {NotificationId} delivered by {Channel} to {HandlerId}")]
    public static partial void NotificationDelivered(ILogger logger, Guid notificationId, string channel, string handlerId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Outbox sweep delivered {Count} notification(s) to inboxes")]
    public static partial void InboxDelivered(ILogger logger, int count);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Deadline sweep acted on {Clocks} clock(s) of {Cases} case(s) in {ElapsedMs} ms ({ClocksPerSecond:F0} clocks/s)")]
    public static partial void ClocksEnforced(ILogger logger, int clocks, int cases, long elapsedMs, double clocksPerSecond);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Case {CaseNumber}: the {Clock} clock breached at {DueAt:O}")]
    public static partial void ClockBreached(ILogger logger, string caseNumber, string clock, DateTimeOffset dueAt);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Error, Message = "A deadline sweep batch of {Cases} case(s) failed and was rolled back; its clocks stay due")]
    public static partial void DeadlineBatchFailed(ILogger logger, int cases, Exception exception);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Error, Message = "Case {CaseId}: its due clocks could not be acted on; set aside until {RetryAt:O}")]
    public static partial void CaseSetAside(ILogger logger, Guid caseId, DateTimeOffset retryAt, Exception exception);
}
