using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Worker.Notifications;
using Dapper;
using Microsoft.Extensions.Options;
using MimeKit;

namespace ComplaintGrpc.IntegrationTests.Notifications;

public sealed class EmailChannelTests(ServerHost host, SmtpTestServer smtp) : IClassFixture<ServerHost>, IClassFixture<SmtpTestServer>
{
    private const string Sender = "投诉工单系统 <complaints@power.example.test>";

    private Dictionary<string, string?> Settings(params (string Key, string? Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:DefaultChannels:0"] = "Inbox",
            ["Notifications:DefaultChannels:1"] = "Email",
            ["Notifications:Email:Host"] = "127.0.0.1",
            ["Notifications:Email:Port"] = smtp.Port.ToString(),
            ["Notifications:Email:UseTls"] = "None",
            ["Notifications:Email:From"] = Sender,
            ["Notifications:Email:Timeout"] = "00:00:10",
        };
        foreach (var (key, value) in overrides)
            settings["Notifications:Email:" + key] = value;
        return settings;
    }

    private List<MimeMessage> MailsFor(Guid notificationId) =>
        smtp.Messages().Where(m => m.Headers[EmailChannel.NotificationIdHeader] == notificationId.ToString()).ToList();

    [Fact]
    public async Task Delivery_mails_the_handler_the_case_number_and_masked_phone_with_a_message_id_from_the_notification()
    {
        var (_, assigned, id) = await ChannelHost.AssignedWithDeliveryAsync(host, EmailChannel.ChannelName);
        await using var channels = await ChannelHost.StartAsync(Settings());

        await channels.Delivery(host.Database).DeliverAsync(id, EmailChannel.ChannelName, CancellationToken.None);

        var mail = Assert.Single(MailsFor(id));
        Assert.Equal("lina@example.test", Assert.Single(mail.To.Mailboxes).Address);
        Assert.Equal("lina@example.test", mail.Headers["X-RcptTo"]);  // the SMTP envelope, as the server saw it
        Assert.Equal("complaints@power.example.test", Assert.Single(mail.From.Mailboxes).Address);
        Assert.Equal($"[投诉工单 {assigned.CaseNumber}] 工单派发 / Case assigned", mail.Subject);
        Assert.Equal($"notification-{id:N}@power.example.test", mail.MessageId);
        Assert.Equal("auto-generated", mail.Headers["Auto-Submitted"]);

        var text = mail.TextBody;
        Assert.Contains($"工单编号 / Case number: {assigned.CaseNumber}", text);
        Assert.Contains("客户电话 / Customer phone: 138****8000", text);
        Assert.Contains("工单派发 / Case assigned", text);
        Assert.Contains($"Case {assigned.CaseNumber}", text);  // the notification's own text
        Assert.DoesNotContain("13800138000", mail.ToString());
        Assert.DoesNotContain("张伟", text);
        Assert.NotNull((await ChannelHost.DeliveryRowAsync(host, id, EmailChannel.ChannelName)).DeliveredAt);
    }

    [Fact]
    public async Task A_repeated_send_carries_the_same_Message_ID_so_the_duplicate_is_recognisable()
    {
        var message = ChannelHost.Message();
        await using var channels = await ChannelHost.StartAsync(Settings());
        var email = channels.Channel(EmailChannel.ChannelName);

        // What a crash between sending and marking the delivery leads to: Hangfire runs the job again.
        await email.SendAsync(message, CancellationToken.None);
        await email.SendAsync(message, CancellationToken.None);

        var mails = MailsFor(message.NotificationId);
        Assert.Equal(2, mails.Count);
        Assert.Single(mails.Select(m => m.MessageId).Distinct());
        Assert.Equal("[投诉工单 CP20260101000042] 催办提醒 / Reminder", mails[0].Subject);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("   ", false)]
    [InlineData("lina", false)]
    [InlineData("lina@example.test", true)]
    public async Task Only_a_handler_with_an_email_address_can_be_reached_by_email(string address, bool reachable)
    {
        await using var channels = await ChannelHost.StartAsync(Settings());

        Assert.Equal(reachable, channels.Channel(EmailChannel.ChannelName).CanReach(address));
    }

    [Fact]
    public async Task An_unreachable_smtp_server_makes_the_job_throw_and_records_the_error()
    {
        var (_, _, id) = await ChannelHost.AssignedWithDeliveryAsync(host, EmailChannel.ChannelName);
        await using var channels = await ChannelHost.StartAsync(Settings(("Port", FreePort.Next().ToString())));

        await Assert.ThrowsAnyAsync<Exception>(() => channels.Delivery(host.Database).DeliverAsync(id, EmailChannel.ChannelName, CancellationToken.None));

        var (deliveredAt, attempts, lastError) = await ChannelHost.DeliveryRowAsync(host, id, EmailChannel.ChannelName);
        Assert.Equal((false, 1), (deliveredAt.HasValue, attempts));
        Assert.False(string.IsNullOrEmpty(lastError));
    }

    [Theory]
    [InlineData("Host", null, null, "Notifications:Email:Host is required")]
    [InlineData("From", "complaints", null, "Notifications:Email:From must be one e-mail address")]
    [InlineData("UserName", "relay-user", null, "Set exactly one of Notifications:Email:Password and Notifications:Email:PasswordFile")]
    [InlineData("UserName", "relay-user", "smtp-password-value", "UseTls None would send the password in clear")]
    [InlineData("Port", "70000", null, "Notifications:Email:Port must be between")]
    public async Task Bad_email_settings_stop_the_worker_at_start(string key, string? value, string? password, string expected)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => ChannelHost.StartAsync(Settings((key, value), ("Password", password))));

        Assert.Contains(expected, e.Message);
        if (password is not null)
            Assert.DoesNotContain(password, e.Message);
    }

    [Fact]
    public async Task The_worker_process_emails_the_assignment_to_the_handler()
    {
        await using var worker = WorkerProcess.Start(host.ConnectionString, new Dictionary<string, string>
        {
            ["Notifications__DefaultChannels__0"] = "Inbox",
            ["Notifications__DefaultChannels__1"] = "Email",
            ["Notifications__Email__Host"] = "127.0.0.1",
            ["Notifications__Email__Port"] = smtp.Port.ToString(),
            ["Notifications__Email__UseTls"] = "None",
            ["Notifications__Email__From"] = Sender,
        });
        var org = await Sample.OrganizationAsync(host.Organization);
        var assigned = await new CaseSteps(host.Complaints, org).AssignedAsync();
        Guid id;
        await using (var c = await host.Database.OpenConnectionAsync())
            id = await c.ExecuteScalarAsync<Guid>("SELECT id FROM notifications WHERE complaint_id = @id::uuid", new { id = assigned.Id });

        var mails = await Poll.UntilAsync(() => Task.FromResult(MailsFor(id)), m => m.Count > 0, TimeSpan.FromSeconds(60),
            "the worker to mail the notification; worker output:\n" + worker.Output + "\nSMTP server output:\n" + smtp.Output);

        var mail = Assert.Single(mails);
        Assert.Equal("lina@example.test", mail.Headers["X-RcptTo"]);
        Assert.Contains(assigned.CaseNumber, mail.Subject);
        Assert.Contains("138****8000", mail.TextBody);
        Assert.Equal($"notification-{id:N}@power.example.test", mail.MessageId);
        Assert.False(worker.HasExited, worker.Output);
    }
}
