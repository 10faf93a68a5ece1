namespace ComplaintGrpc.Worker.Rectification;

/// <summary>The rectification work's log messages (ids only).</summary>
internal static partial class RectificationLog
{
    [LoggerMessage(EventId = 2300, Level = LogLevel.Information, Message = "Rectification sweep acted on {Count} rectification clock(s)")]
    public static partial void ClocksEnforced(ILogger logger, int count);

    [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "Rectification {RectificationId}: overdue since {DueAt:O}")]
    public static partial void Breached(ILogger logger, Guid rectificationId, DateTimeOffset dueAt);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Error, Message = "A rectification sweep batch of {Count} failed and was rolled back; its clocks stay due")]
    public static partial void BatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 2303, Level = LogLevel.Error, Message = "Rectification {RectificationId}: its clock could not be acted on; set aside until {RetryAt:O}")]
    public static partial void SetAside(ILogger logger, Guid rectificationId, DateTimeOffset retryAt, Exception exception);

    [LoggerMessage(EventId = 2310, Level = LogLevel.Information, Message = "Rectification {RectificationId} evaluated: {Before} before, {After} after, target met: {Met}")]
    public static partial void Evaluated(ILogger logger, Guid rectificationId, int before, int after, bool met);
}
