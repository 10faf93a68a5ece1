using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Server.Complaints;

/// <summary>Intake's log messages (repeats, chases, warnings): case numbers and ids only, never a customer's details.</summary>
internal static partial class IntakeLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Complaint {CaseNumber} chased by request {RequestId} from channel {Channel} (chase {ChaseCount})")]
    public static partial void CaseChased(ILogger logger, string caseNumber, string requestId, Channel channel, int chaseCount);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Complaint {CaseNumber}: warning rules {Rules} fired; {Recipients} supervisor(s) notified")]
    public static partial void WarningRaised(ILogger logger, string caseNumber, string rules, int recipients);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Complaint {CaseNumber}: warning rules {Rules} fired but the receiving unit has no active supervisor to notify")]
    public static partial void WarningUnheard(ILogger logger, string caseNumber, string rules);
}
