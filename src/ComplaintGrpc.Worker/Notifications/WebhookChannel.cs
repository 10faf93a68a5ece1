using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace ComplaintGrpc.Worker.Notifications;

/// <summary>Bound from <c>Notifications:Webhook:*</c>; required and validated at start only when a channel list names
/// the Webhook channel.</summary>
public sealed class WebhookOptions
{
    public const string Section = "Notifications:Webhook";

    /// <summary>Absolute http or https URL the notifications are POSTed to.</summary>
    // A string, not a Uri: a malformed value then reaches the validator and its message instead of failing in the binder.
    public string? Url { get; set; }

    /// <summary>The HMAC-SHA256 key as text (its UTF-8 bytes are the key). Set this or <see cref="SecretFile"/>.</summary>
    public string? Secret { get; set; }

    /// <summary>A file holding the key; surrounding whitespace (an editor's final newline) is ignored. It is read on
    /// every send, so a rotated file takes effect without a restart.</summary>
    public string? SecretFile { get; set; }

    /// <summary>Tries within one job run, the first included; the job throws after the last one.</summary>
    public int Attempts { get; set; } = 3;

    /// <summary>Delay before the first in-job retry; it doubles for each further one (with jitter).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Time limit for one request, answer included; a timeout counts as a failed attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public const int MinSecretBytes = 32;

    /// <summary>The key bytes; the caller zeroes them after use.</summary>
    public byte[] ReadSecret() => SecretFile is { Length: > 0 } file
        ? Encoding.UTF8.GetBytes(File.ReadAllText(file).Trim())
        : Encoding.UTF8.GetBytes(Secret ?? "");
}

/// <summary>Validates the webhook settings. Messages name keys, never the secret or its length.</summary>
public sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions options)
    {
        const string s = WebhookOptions.Section;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Url))
            errors.Add($"{s}:Url is required because a channel list names the {WebhookChannel.ChannelName} channel.");
        else if (!Uri.TryCreate(options.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            errors.Add($"{s}:Url must be an absolute http or https URL.");

        var hasSecret = !string.IsNullOrEmpty(options.Secret);
        var hasFile = !string.IsNullOrEmpty(options.SecretFile);
        if (hasSecret == hasFile)
            errors.Add($"Set exactly one of {s}:Secret and {s}:SecretFile (the HMAC-SHA256 signing key).");
        else
        {
            try
            {
                var secret = options.ReadSecret();
                if (secret.Length < WebhookOptions.MinSecretBytes)
                    errors.Add($"The webhook secret ({(hasFile ? $"{s}:SecretFile" : $"{s}:Secret")}) must be at least {WebhookOptions.MinSecretBytes} bytes.");
                CryptographicOperations.ZeroMemory(secret);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{s}:SecretFile cannot be read: {ex.Message}");
            }
        }

        if (options.Attempts is < 1 or > 10)
            errors.Add($"{s}:Attempts must be between 1 and 10.");
        if (options.RetryDelay < TimeSpan.Zero || options.RetryDelay > TimeSpan.FromMinutes(1))
            errors.Add($"{s}:RetryDelay must be between 00:00:00 and 00:01:00.");
        if (options.AttemptTimeout < TimeSpan.FromMilliseconds(100) || options.AttemptTimeout > TimeSpan.FromMinutes(5))
            errors.Add($"{s}:AttemptTimeout must be between 00:00:00.1 and 00:05:00.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// POSTs each notification as JSON to the configured URL, signed with HMAC-SHA256 over the exact body bytes
/// (<c>X-Complaints-Signature: sha256=&lt;hex&gt;</c>) and carrying <c>X-Complaints-Notification-Id</c>.
/// Guarantee: at least once. A 5xx, 408, 429, connection failure or timeout is retried within the job
/// (<see cref="WebhookOptions.Attempts"/> tries, exponential back-off); after that, or at once on any other non-2xx
/// answer, the job throws and Hangfire retries it later with its own, longer back-off. A receiver can therefore see
/// the same notification more than once (also when a 2xx is lost) and must deduplicate on the notification id.
/// </summary>
public sealed class WebhookChannel(IHttpClientFactory httpClients, IOptions<WebhookOptions> options) : INotificationChannel
{
    public const string ChannelName = "Webhook";
    public const string SignatureHeader = "X-Complaints-Signature";
    public const string NotificationIdHeader = "X-Complaints-Notification-Id";
    internal const string HttpClientName = "notifications-webhook";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Chinese text stays readable in the body; HTML-sensitive characters are still escaped.
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    public string Name => ChannelName;

    public bool CanReach(string handlerEmail) => true;

    public async Task SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(Payload.From(message), Json);
        var secret = options.Value.ReadSecret();
        string signature;
        try
        {
            signature = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(secret, body));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, options.Value.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(SignatureHeader, signature);
        request.Headers.Add(NotificationIdHeader, message.NotificationId.ToString());
        using var client = httpClients.CreateClient(HttpClientName);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException(
                $"The webhook receiver answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
    }

    /// <summary>The named HttpClient with its in-job retry pipeline, the options and their validation.</summary>
    internal static void Register(IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        services.AddSingleton<INotificationChannel, WebhookChannel>();
        services.AddHttpClient(HttpClientName)
            // A redirect is a failure, not a reason to send the signed body to another address.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            // Each attempt has its own timeout in the pipeline below; HttpClient's overall 100 s would cut retries short.
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("notifications-webhook", (pipeline, context) =>
            {
                var o = context.ServiceProvider.GetRequiredService<IOptions<WebhookOptions>>().Value;
                if (o.Attempts > 1)
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        // Transient answers only (5xx, 408, 429, connection errors, attempt timeouts); a 4xx goes
                        // straight to Hangfire.
                        MaxRetryAttempts = o.Attempts - 1,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = o.RetryDelay,
                        // A long Retry-After is Hangfire's business, not a reason to hold a worker thread.
                        ShouldRetryAfterHeader = false,
                    });
                pipeline.AddTimeout(o.AttemptTimeout);
            });
    }

    /// <summary>The JSON body (snake_case). <c>kind</c> is CaseAssigned, Reminder, Breach or Escalation.</summary>
    private sealed record Payload(
        Guid NotificationId, string Kind, Guid? ComplaintId, string CaseNumber, string CustomerPhoneMasked, string Text,
        string CreatedTime, string HandlerId)
    {
        public static Payload From(NotificationMessage m) => new(
            m.NotificationId, m.Kind, m.ComplaintId, m.CaseNumber, m.CustomerPhoneMasked, m.Text,
            // RFC 3339 in UTC, to the microsecond PostgreSQL keeps.
            m.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            m.HandlerId);
    }
}
