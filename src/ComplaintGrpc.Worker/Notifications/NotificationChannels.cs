namespace ComplaintGrpc.Worker.Notifications;

/// <summary>What a channel needs to deliver one notification. Never the customer's name or full phone: the phone is
/// masked (first 3 and last 4 digits) before it gets here.</summary>
public sealed record NotificationMessage(
    Guid NotificationId, string HandlerId, string HandlerName, string HandlerEmail, string Kind,
    Guid ComplaintId, string CaseNumber, string CustomerPhoneMasked, string Text, DateTimeOffset CreatedAt);

/// <summary>A way to reach a recipient. Implementations are registered in DI and picked by <see cref="Name"/>.</summary>
public interface INotificationChannel
{
    /// <summary>The name used in configuration and in <c>notification_deliveries.channel</c>.</summary>
    string Name { get; }

    /// <summary>False when this recipient cannot be reached this way (no e-mail address, say): no delivery is made.</summary>
    bool CanReach(NotificationMessage message);

    /// <summary>Sends the message. Throws on failure so that Hangfire retries the delivery with back-off.</summary>
    Task SendAsync(NotificationMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// The in-service inbox. The notification row already holds the message; marking the inbox delivery delivered is
/// what makes it visible to ListNotifications and WatchNotifications, so there is nothing more to send.
/// </summary>
public sealed class InboxChannel : INotificationChannel
{
    public const string ChannelName = "Inbox";

    public string Name => ChannelName;

    public bool CanReach(NotificationMessage message) => true;

    public Task SendAsync(NotificationMessage message, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Bound from <c>Notifications:*</c>: which channels reach whom.</summary>
public sealed class NotificationOptions
{
    /// <summary>Channels every recipient gets unless listed in <see cref="Recipients"/>.</summary>
    public IList<string> DefaultChannels { get; } = [InboxChannel.ChannelName];

    /// <summary>Per handler id: the channels that recipient gets instead of the defaults.</summary>
    public IDictionary<string, IList<string>> Recipients { get; } = new Dictionary<string, IList<string>>();

    public IList<string> ChannelsFor(string handlerId) =>
        Recipients.TryGetValue(handlerId, out var channels) ? channels : DefaultChannels;
}
