using Microsoft.Extensions.Options;

namespace ComplaintGrpc.Worker.Notifications;

/// <summary>What a channel needs to deliver one notification. Never the customer's name or full phone: the phone is
/// masked (first 3 and last 4 digits) before it gets here. A notification that is not about one case has no
/// <see cref="ComplaintId"/>, and an empty case number and phone.</summary>
public sealed record NotificationMessage(
    Guid NotificationId, string HandlerId, string HandlerName, string HandlerEmail, string Kind,
    Guid? ComplaintId, string CaseNumber, string CustomerPhoneMasked, string Text, DateTimeOffset CreatedAt);

/// <summary>A way to reach a recipient. Implementations are registered in DI and picked by <see cref="Name"/>.</summary>
public interface INotificationChannel
{
    /// <summary>The name used in configuration and in <c>notification_deliveries.channel</c>.</summary>
    string Name { get; }

    /// <summary>False when a recipient with these contact details cannot be reached this way (no e-mail address, say):
    /// the outbox then makes no delivery over this channel for them.</summary>
    bool CanReach(string handlerEmail);

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

    public bool CanReach(string handlerEmail) => true;

    public Task SendAsync(NotificationMessage message, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// Bound from <c>Notifications:*</c>: which channels reach whom.
/// A list that is not configured means <c>[Inbox]</c>; a configured list replaces that default whole, so a deployment
/// that wants the inbox and the webhook lists both (<c>Notifications__DefaultChannels__0=Inbox</c>,
/// <c>Notifications__DefaultChannels__1=Webhook</c>). The lists start out null rather than pre-filled because the
/// configuration binder appends to a list it finds filled, which would turn a configured <c>[Webhook]</c> into
/// <c>[Inbox, Webhook]</c>.
/// </summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>Every channel a list may name.</summary>
    public static readonly IReadOnlyList<string> KnownChannels =
        [InboxChannel.ChannelName, WebhookChannel.ChannelName, EmailChannel.ChannelName];

    private static readonly string[] InboxOnly = [InboxChannel.ChannelName];

    /// <summary>Channels every recipient gets unless listed in <see cref="Recipients"/>; null means <c>[Inbox]</c>.</summary>
    public IList<string>? DefaultChannels { get; set; }

    /// <summary>Per handler id: the channels that recipient gets instead of the defaults.</summary>
    public IDictionary<string, IList<string>> Recipients { get; } = new Dictionary<string, IList<string>>(StringComparer.Ordinal);

    public IList<string> ChannelsFor(string handlerId) =>
        Recipients.TryGetValue(handlerId, out var channels) ? channels : DefaultChannels ?? InboxOnly;

    /// <summary>True when some list names the channel: only then is it registered and its settings required.</summary>
    public bool Uses(string channel) =>
        (DefaultChannels ?? InboxOnly).Contains(channel) || Recipients.Values.Any(list => list.Contains(channel));

    public static NotificationOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<NotificationOptions>() ?? new NotificationOptions();
}

/// <summary>Every channel list names only known channels, each at most once: a typo stops the worker at start instead
/// of silently dropping that channel's deliveries.</summary>
public sealed class NotificationOptionsValidator : IValidateOptions<NotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        var errors = new List<string>();
        if (options.DefaultChannels is { } defaults)
            Check($"{NotificationOptions.Section}:DefaultChannels", defaults, errors);
        foreach (var (handlerId, channels) in options.Recipients)
            Check($"{NotificationOptions.Section}:Recipients:{handlerId}", channels, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Check(string key, IList<string> channels, List<string> errors)
    {
        foreach (var channel in channels)
            if (!NotificationOptions.KnownChannels.Contains(channel))
                errors.Add($"{key} names an unknown channel '{channel}'; the channels are {string.Join(", ", NotificationOptions.KnownChannels)} (names are case-sensitive).");
        foreach (var twice in channels.GroupBy(c => c, StringComparer.Ordinal).Where(g => g.Count() > 1))
            errors.Add($"{key} names the channel '{twice.Key}' more than once.");
    }
}

public static class NotificationChannelRegistration
{
    /// <summary>
    /// The channels this worker delivers through: always the inbox; the webhook and e-mail only when a channel list
    /// names them, and then their settings are validated at start. A list naming a channel whose settings are missing
    /// therefore stops the worker with a message naming the key, rather than failing every delivery later.
    /// </summary>
    public static IHostApplicationBuilder AddNotificationChannels(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>();
        builder.Services.AddSingleton<INotificationChannel, InboxChannel>();

        var notifications = NotificationOptions.From(builder.Configuration);
        if (notifications.Uses(WebhookChannel.ChannelName))
            WebhookChannel.Register(builder.Services);
        if (notifications.Uses(EmailChannel.ChannelName))
            EmailChannel.Register(builder.Services);
        return builder;
    }
}
