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
}
