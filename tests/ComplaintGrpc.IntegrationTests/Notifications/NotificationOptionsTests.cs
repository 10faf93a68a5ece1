using ComplaintGrpc.Worker.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ComplaintGrpc.IntegrationTests.Notifications;

/// <summary>How the channel lists bind from configuration (keys as environment variables spell them, with ':' for '__').</summary>
public sealed class NotificationOptionsTests
{
    private static readonly Dictionary<string, string?> WebhookSettings = new()
    {
        ["Notifications:Webhook:Url"] = "http://127.0.0.1:9/hooks",
        ["Notifications:Webhook:Secret"] = new string('s', 32),
    };

    private static async Task<NotificationOptions> BindAsync(params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>(WebhookSettings);
        foreach (var (key, value) in settings)
            all[key] = value;
        await using var host = await ChannelHost.StartAsync(all);
        return host.Services.GetRequiredService<IOptions<NotificationOptions>>().Value;
    }

    [Fact]
    public async Task Without_configuration_every_recipient_gets_the_inbox_only()
    {
        var options = await BindAsync();

        Assert.Equal(["Inbox"], options.ChannelsFor("anyone"));
    }

    [Fact]
    public async Task A_configured_default_list_replaces_the_inbox_default_instead_of_adding_to_it()
    {
        var options = await BindAsync(("Notifications:DefaultChannels:0", "Webhook"));

        Assert.Equal(["Webhook"], options.ChannelsFor("anyone"));
    }

    [Fact]
    public async Task Listing_the_inbox_and_the_webhook_gives_each_once()
    {
        var options = await BindAsync(("Notifications:DefaultChannels:0", "Inbox"), ("Notifications:DefaultChannels:1", "Webhook"));

        Assert.Equal(["Inbox", "Webhook"], options.ChannelsFor("anyone"));
    }

    [Fact]
    public async Task A_recipient_list_replaces_the_defaults_for_that_handler_only()
    {
        var options = await BindAsync(("Notifications:Recipients:h-7:0", "Webhook"));

        Assert.Equal(["Webhook"], options.ChannelsFor("h-7"));
        Assert.Equal(["Inbox"], options.ChannelsFor("h-8"));
    }

    [Theory]
    [InlineData("Notifications:DefaultChannels:1", "Webhok", "Notifications:DefaultChannels names an unknown channel 'Webhok'; the channels are Inbox, Webhook, Email")]
    [InlineData("Notifications:DefaultChannels:1", "webhook", "unknown channel 'webhook'")]
    [InlineData("Notifications:DefaultChannels:1", "Inbox", "Notifications:DefaultChannels names the channel 'Inbox' more than once")]
    [InlineData("Notifications:Recipients:h-7:0", "Sms", "Notifications:Recipients:h-7 names an unknown channel 'Sms'")]
    public async Task Unknown_or_repeated_channel_names_stop_the_worker_at_start(string key, string value, string expected)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => BindAsync(("Notifications:DefaultChannels:0", "Inbox"), (key, value)));

        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public async Task A_channel_named_for_one_recipient_only_is_enabled_and_its_settings_are_required()
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => BindAsync(("Notifications:Recipients:h-7:0", "Email")));

        Assert.Contains("Notifications:Email:Host is required", e.Message);
    }
}
