namespace ComplaintGrpc.Worker.Notifications;

/// <summary>Log messages of external deliveries (2020–2029). Ids and channel names only, never message content.</summary>
internal static partial class DeliveryLog
{
    [LoggerMessage(EventId = 2020, Level = LogLevel.Debug, Message = "{Skipped} of {Count} {Channel} deliveries were delivered already or are claimed by another attempt; skipped")]
    public static partial void DeliveriesNotClaimed(ILogger logger, int skipped, int count, string channel);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Warning, Message = "Notification {NotificationId} over {Channel} failed: {Error}; the outbox sweep hands it over again after a back-off")]
    public static partial void DeliveryFailed(ILogger logger, Guid notificationId, string channel, string error);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Warning, Message = "{Left} {Channel} deliveries were not started within the job budget {Budget}; released for the next hand-over")]
    public static partial void DeliveryBudgetSpent(ILogger logger, int left, string channel, TimeSpan budget);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Warning, Message = "Notification {NotificationId} was sent over {Channel} after this attempt's claim had lapsed; not recorded here (another attempt may send it again)")]
    public static partial void DeliveryClaimLost(ILogger logger, Guid notificationId, string channel);
}
