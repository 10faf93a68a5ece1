using System.Globalization;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Text;

namespace ComplaintGrpc.Worker.Notifications;

/// <summary>How the SMTP connection is secured (<c>Notifications:Email:UseTls</c>).</summary>
public enum SmtpTls
{
    /// <summary>Plain connect, then STARTTLS, which the server must offer (port 587 by default).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465 by default).</summary>
    SslOnConnect,

    /// <summary>No encryption (port 25 by default): a relay on the same host or a test server only.</summary>
    None,
}

/// <summary>Bound from <c>Notifications:Email:*</c>; required and validated at start only when a channel list names
/// the Email channel.</summary>
public sealed class EmailOptions
{
    public const string Section = "Notifications:Email";

    public string Host { get; set; } = "";

    /// <summary>0 means the usual port for <see cref="UseTls"/>: 587, 465 or 25.</summary>
    public int Port { get; set; }

    public SmtpTls UseTls { get; set; } = SmtpTls.StartTls;

    /// <summary>Log in with this user and <see cref="Password"/> or <see cref="PasswordFile"/>; empty means no login.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>A file holding the password; surrounding whitespace is ignored. Read on every send.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>The sender, <c>complaints@example.cn</c> or <c>投诉工单系统 &lt;complaints@example.cn&gt;</c>. Its domain
    /// is also the right-hand side of the Message-ID.</summary>
    public string From { get; set; } = "";

    /// <summary>Time limit for each SMTP command.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public int EffectivePort => Port != 0 ? Port : UseTls switch { SmtpTls.SslOnConnect => 465, SmtpTls.None => 25, _ => 587 };

    public string ReadPassword() => PasswordFile is { Length: > 0 } file ? File.ReadAllText(file).Trim() : Password ?? "";
}

/// <summary>Validates the e-mail settings. Messages name keys, never the password.</summary>
public sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        const string s = EmailOptions.Section;
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Host))
            errors.Add($"{s}:Host is required because a channel list names the {EmailChannel.ChannelName} channel.");
        if (options.Port is < 0 or > 65535)
            errors.Add($"{s}:Port must be between 1 and 65535, or 0 for the usual port of {s}:UseTls.");
        if (!Enum.IsDefined(options.UseTls))
            errors.Add($"{s}:UseTls must be StartTls, SslOnConnect or None.");
        if (string.IsNullOrWhiteSpace(options.From))
            errors.Add($"{s}:From is required.");
        else if (!MailboxAddress.TryParse(options.From, out var from) || from.Domain.Length == 0)
            errors.Add($"{s}:From must be one e-mail address, optionally with a display name.");

        var hasPassword = !string.IsNullOrEmpty(options.Password);
        var hasFile = !string.IsNullOrEmpty(options.PasswordFile);
        if (!string.IsNullOrEmpty(options.UserName))
        {
            if (hasPassword == hasFile)
                errors.Add($"Set exactly one of {s}:Password and {s}:PasswordFile when {s}:UserName is set.");
            else if (hasFile && !File.Exists(options.PasswordFile))
                errors.Add($"{s}:PasswordFile does not exist.");
            if (options.UseTls == SmtpTls.None)
                errors.Add($"{s}:UseTls None would send the password in clear; use StartTls or SslOnConnect.");
        }
        else if (hasPassword || hasFile)
            errors.Add($"{s}:Password or PasswordFile is set but {s}:UserName is not.");

        if (options.Timeout < TimeSpan.FromSeconds(1) || options.Timeout > TimeSpan.FromMinutes(5))
            errors.Add($"{s}:Timeout must be between 00:00:01 and 00:05:00.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// Mails the notification to the handler over SMTP (MailKit), in Chinese and English, with the case number and the
/// customer's masked phone, never the customer's name or full phone. One connection per message: reminders come in
/// tens, not thousands. Guarantee: at least once. Any failure throws and Hangfire retries the job with back-off; a
/// mail accepted by the server whose delivery is not then marked is sent again with the same Message-ID
/// (<c>notification-&lt;id&gt;@&lt;sender's domain&gt;</c>), by which mail clients and archives recognise the duplicate.
/// </summary>
public sealed class EmailChannel(IOptions<EmailOptions> options) : INotificationChannel
{
    public const string ChannelName = "Email";
    public const string NotificationIdHeader = "X-Complaints-Notification-Id";

    public string Name => ChannelName;

    public bool CanReach(string handlerEmail) =>
        MailboxAddress.TryParse(handlerEmail, out var address) && address.Domain.Length > 0;

    public async Task SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        var o = options.Value;
        using var mail = Compose(message, MailboxAddress.Parse(o.From));
        using var smtp = new SmtpClient { Timeout = (int)o.Timeout.TotalMilliseconds };
        await smtp.ConnectAsync(o.Host, o.EffectivePort, o.UseTls switch
        {
            SmtpTls.SslOnConnect => SecureSocketOptions.SslOnConnect,
            SmtpTls.None => SecureSocketOptions.None,
            _ => SecureSocketOptions.StartTls,
        }, cancellationToken);
        if (!string.IsNullOrEmpty(o.UserName))
            await smtp.AuthenticateAsync(o.UserName, o.ReadPassword(), cancellationToken);
        await smtp.SendAsync(mail, cancellationToken);
        await smtp.DisconnectAsync(true, cancellationToken);
    }

    /// <summary>The message as sent; public so that its wording can be checked without a server.</summary>
    public static MimeMessage Compose(NotificationMessage m, MailboxAddress from)
    {
        var (zh, en) = KindLabel(m.Kind);
        var to = MailboxAddress.Parse(m.HandlerEmail);
        to.Name = m.HandlerName;
        var mail = new MimeMessage
        {
            Subject = $"[投诉工单 {m.CaseNumber}] {zh} / {en}",
            MessageId = $"notification-{m.NotificationId:N}@{from.Domain}",
            Body = new TextPart(TextFormat.Plain) { Text = Body(m, zh, en) },
        };
        mail.From.Add(from);
        mail.To.Add(to);
        mail.Headers.Add(NotificationIdHeader, m.NotificationId.ToString());
        // RFC 3834: tells out-of-office responders not to answer.
        mail.Headers.Add("Auto-Submitted", "auto-generated");
        return mail;
    }

    private static string Body(NotificationMessage m, string zh, string en) => string.Join("\r\n",
        $"工单编号 / Case number: {m.CaseNumber}",
        $"事项 / Kind: {zh} / {en}",
        $"客户电话 / Customer phone: {m.CustomerPhoneMasked}",
        // China has one time zone and no daylight saving: +08:00 is always local time for the handlers.
        $"时间 / Time: {m.CreatedAt.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd HH:mm:ss 'UTC+08:00'", CultureInfo.InvariantCulture)}",
        "",
        m.Text,
        "",
        "--",
        $"通知编号 / Notification id: {m.NotificationId}",
        "本邮件由投诉工单系统自动发送，请勿直接回复；请在系统中处理工单。",
        "This message was sent automatically by the complaints system; please handle the case there rather than reply.",
        "");

    private static (string Zh, string En) KindLabel(string kind) => kind switch
    {
        "CaseAssigned" => ("工单派发", "Case assigned"),
        "Reminder" => ("催办提醒", "Reminder"),
        "Breach" => ("超时", "Time limit breached"),
        "Escalation" => ("督办", "Escalation"),
        _ => ("通知", "Notification"),
    };

    internal static void Register(IServiceCollection services)
    {
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>();
        services.AddSingleton<INotificationChannel, EmailChannel>();
    }
}
