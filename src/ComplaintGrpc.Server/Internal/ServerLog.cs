using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Server.Internal;

/// <summary>The server's log messages. Never pass a customer's name or phone here: ids and case numbers only.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Error, Message = "Unhandled error in {Method}")]
    public static partial void UnhandledError(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Complaint {CaseNumber} ({ComplaintId}) received from channel {Channel}")]
    public static partial void ComplaintReceived(ILogger logger, string caseNumber, Guid complaintId, Channel channel);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Complaint {ComplaintId}: {Action} by {Actor}, {From} -> {To}")]
    public static partial void Transitioned(ILogger logger, Guid complaintId, CaseAction action, string actor, CaseStatus from, CaseStatus to);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "The database did not answer {Method} in time; answered DEADLINE_EXCEEDED (DATABASE_TIMEOUT); further failures are counted until it answers again")]
    public static partial void DatabaseTimeout(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "The database was unavailable to {Method} (no connection to spare, unreachable or shutting down); answered UNAVAILABLE (DATABASE_UNAVAILABLE); further failures are counted until it answers again")]
    public static partial void DatabaseUnavailable(ILogger logger, string method, Exception exception);

    /// <summary>Closes an outage episode opened by 1003 or 1004; the calls in between are counted, not logged.</summary>
    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "The database answers again after {FailedCalls} failed calls over {Lasted}")]
    public static partial void DatabaseRecovered(ILogger logger, int failedCalls, TimeSpan lasted);
}
