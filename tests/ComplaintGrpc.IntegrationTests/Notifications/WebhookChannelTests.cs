using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Worker.Notifications;
using Dapper;
using Microsoft.Extensions.Options;

namespace ComplaintGrpc.IntegrationTests.Notifications;

public sealed class WebhookChannelTests(ServerHost host) : IClassFixture<ServerHost>, IAsyncLifetime
{
    private const string Secret = "whsec-test-0123456789abcdef0123456789abcdef";
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private Dictionary<string, string?> Settings(params (string Key, string? Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Notifications:DefaultChannels:0"] = "Inbox",
            ["Notifications:DefaultChannels:1"] = "Webhook",
            ["Notifications:Webhook:Url"] = _receiver.Url,
            ["Notifications:Webhook:Secret"] = Secret,
            ["Notifications:Webhook:RetryDelay"] = "00:00:00.050",
        };
        foreach (var (key, value) in overrides)
            settings["Notifications:Webhook:" + key] = value;
        return settings;
    }

    /// <summary>What a receiver does: HMAC-SHA256 of the exact body bytes with the shared secret, compared in constant time.</summary>
    private static bool SignatureIsValid(WebhookReceiver.Request r, string secret)
    {
        var expected = Encoding.ASCII.GetBytes("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), r.Body)));
        return r.Signature is not null && CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(r.Signature));
    }

    [Fact]
    public async Task Delivery_posts_a_signed_snake_case_body_with_the_masked_phone()
    {
        var (org, assigned, id) = await ChannelHost.AssignedWithDeliveryAsync(host, WebhookChannel.ChannelName);
        await using var channels = await ChannelHost.StartAsync(Settings());

        await channels.Delivery(host.Database).DeliverAsync(id, WebhookChannel.ChannelName, CancellationToken.None);

        var r = Assert.Single(_receiver.Requests);
        Assert.Equal(("POST", "/hooks/complaints", "application/json; charset=utf-8"), (r.Method, r.Path, r.ContentType));
        Assert.True(SignatureIsValid(r, Secret), $"signature {r.Signature} does not match the body");
        Assert.False(SignatureIsValid(r, Secret + "x"));
        Assert.Matches("^sha256=[0-9a-f]{64}$", r.Signature);
        Assert.Equal(id.ToString(), r.NotificationId);

        using var json = JsonDocument.Parse(r.Body);
        var body = json.RootElement;
        Assert.Equal(
            ["case_number", "complaint_id", "created_time", "customer_phone_masked", "handler_id", "kind", "notification_id", "text"],
            body.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(id.ToString(), body.GetProperty("notification_id").GetString());
        Assert.Equal("CaseAssigned", body.GetProperty("kind").GetString());
        Assert.Equal(assigned.Id, body.GetProperty("complaint_id").GetString());
        Assert.Equal(assigned.CaseNumber, body.GetProperty("case_number").GetString());
        Assert.Equal(org.Handler, body.GetProperty("handler_id").GetString());
        Assert.Equal("138****8000", body.GetProperty("customer_phone_masked").GetString());
        Assert.Contains(assigned.CaseNumber, body.GetProperty("text").GetString());

        var created = body.GetProperty("created_time").GetString()!;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", created);
        await using (var c = await host.Database.OpenConnectionAsync())
            Assert.Equal(await c.ExecuteScalarAsync<DateTime>("SELECT created_at FROM notifications WHERE id = @id", new { id }),
                DateTimeOffset.Parse(created, CultureInfo.InvariantCulture).UtcDateTime);

        var raw = Encoding.UTF8.GetString(r.Body);
        Assert.DoesNotContain("13800138000", raw);
        Assert.DoesNotContain("张伟", raw);
        Assert.NotNull((await ChannelHost.DeliveryRowAsync(host, id, WebhookChannel.ChannelName)).DeliveredAt);
    }

    [Fact]
    public async Task A_receiver_that_answers_500_twice_gets_the_notification_within_the_jobs_own_retries()
    {
        var (_, _, id) = await ChannelHost.AssignedWithDeliveryAsync(host, WebhookChannel.ChannelName);
        _receiver.AnswerNext(500);
        _receiver.AnswerNext(500);
        await using var channels = await ChannelHost.StartAsync(Settings());

        await channels.Delivery(host.Database).DeliverAsync(id, WebhookChannel.ChannelName, CancellationToken.None);

        var requests = _receiver.Requests;
        Assert.Equal([500, 500, 200], requests.Select(r => r.AnsweredWith));
        // Every attempt is the same request: same body, same signature, same id to deduplicate on.
        Assert.Single(requests.Select(r => (Convert.ToHexString(r.Body), r.Signature, r.NotificationId)).Distinct());
        var (deliveredAt, attempts, lastError) = await ChannelHost.DeliveryRowAsync(host, id, WebhookChannel.ChannelName);
        Assert.NotNull(deliveredAt);
        Assert.Equal(1, attempts);
        Assert.Null(lastError);
    }

    [Fact]
    public async Task An_attempt_that_times_out_is_retried_within_the_job()
    {
        var (_, _, id) = await ChannelHost.AssignedWithDeliveryAsync(host, WebhookChannel.ChannelName);
        _receiver.AnswerNext(200, TimeSpan.FromSeconds(30));
        await using var channels = await ChannelHost.StartAsync(Settings(("AttemptTimeout", "00:00:00.500")));

        await channels.Delivery(host.Database).DeliverAsync(id, WebhookChannel.ChannelName, CancellationToken.None);

        Assert.Equal(2, _receiver.Requests.Count);
        Assert.NotNull((await ChannelHost.DeliveryRowAsync(host, id, WebhookChannel.ChannelName)).DeliveredAt);
    }

    [Fact]
    public async Task A_receiver_that_keeps_failing_makes_the_job_throw_and_the_next_hand_over_delivers_it_later()
    {
        var (_, _, id) = await ChannelHost.AssignedWithDeliveryAsync(host, WebhookChannel.ChannelName);
        for (var i = 0; i < 3; i++)
            _receiver.AnswerNext(503);
        await using var channels = await ChannelHost.StartAsync(Settings());
        var delivery = channels.Delivery(host.Database);

        var e = await Assert.ThrowsAsync<HttpRequestException>(() => delivery.DeliverAsync(id, WebhookChannel.ChannelName, CancellationToken.None));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.Equal(3, _receiver.Requests.Count);
        var (deliveredAt, attempts, lastError) = await ChannelHost.DeliveryRowAsync(host, id, WebhookChannel.ChannelName);
        Assert.Null(deliveredAt);
        Assert.Equal(1, attempts);
        Assert.Contains("503", lastError);

        // The outbox sweep hands it over again after the back-off; the receiver is back.
        await delivery.DeliverAsync(id, WebhookChannel.ChannelName, CancellationToken.None);
        Assert.Equal(4, _receiver.Requests.Count);
        Assert.Single(_receiver.Requests.Select(r => r.NotificationId).Distinct());
        (deliveredAt, attempts, lastError) = await ChannelHost.DeliveryRowAsync(host, id, WebhookChannel.ChannelName);
        Assert.Equal((true, 2, null), (deliveredAt.HasValue, attempts, lastError));
    }

    [Fact]
    public async Task A_batch_job_delivers_past_a_failing_delivery_then_throws_and_its_retry_sends_only_what_is_left()
    {
        var (_, _, first) = await ChannelHost.AssignedWithDeliveryAsync(host, WebhookChannel.ChannelName);
        var (_, _, second) = await ChannelHost.AssignedWithDeliveryAsync(host, WebhookChannel.ChannelName);
        for (var i = 0; i < 3; i++)
            _receiver.AnswerNext(503); // every attempt the job makes for the first delivery
        await using var channels = await ChannelHost.StartAsync(Settings());
        var delivery = channels.Delivery(host.Database);

        var e = await Assert.ThrowsAsync<AggregateException>(() => delivery.DeliverBatchAsync(WebhookChannel.ChannelName, "two test cases", [first, second], CancellationToken.None));
        Assert.IsType<HttpRequestException>(Assert.Single(e.InnerExceptions));
        Assert.Null((await ChannelHost.DeliveryRowAsync(host, first, WebhookChannel.ChannelName)).DeliveredAt);
        Assert.NotNull((await ChannelHost.DeliveryRowAsync(host, second, WebhookChannel.ChannelName)).DeliveredAt);

        // The next hand-over of the same batch: only the first is sent again.
        await delivery.DeliverBatchAsync(WebhookChannel.ChannelName, "two test cases", [first, second], CancellationToken.None);
        Assert.NotNull((await ChannelHost.DeliveryRowAsync(host, first, WebhookChannel.ChannelName)).DeliveredAt);
        Assert.Equal(1, _receiver.Requests.Count(r => r.NotificationId == second.ToString()));
    }

    [Fact]
    public async Task A_client_error_is_not_retried_within_the_job()
    {
        _receiver.AnswerNext(401);
        await using var channels = await ChannelHost.StartAsync(Settings());

        var e = await Assert.ThrowsAsync<HttpRequestException>(() =>
            channels.Channel(WebhookChannel.ChannelName).SendAsync(ChannelHost.Message(), CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, e.StatusCode);
        Assert.Single(_receiver.Requests);
    }

    [Fact]
    public async Task The_secret_can_come_from_a_file_and_its_final_newline_is_not_part_of_it()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, Secret + "\n");
            await using var channels = await ChannelHost.StartAsync(Settings(("Secret", null), ("SecretFile", file)));

            await channels.Channel(WebhookChannel.ChannelName).SendAsync(ChannelHost.Message(), CancellationToken.None);

            Assert.True(SignatureIsValid(Assert.Single(_receiver.Requests), Secret));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("Secret", null, "Set exactly one of Notifications:Webhook:Secret and Notifications:Webhook:SecretFile")]
    [InlineData("Secret", "only-31-bytes-of-secret-0123456", "must be at least 32 bytes")]
    [InlineData("SecretFile", "/nonexistent/webhook-secret", "Set exactly one of")]
    [InlineData("Url", null, "Notifications:Webhook:Url is required")]
    [InlineData("Url", "/hooks/complaints", "Notifications:Webhook:Url must be an absolute http or https URL")]
    [InlineData("Url", "ftp://127.0.0.1/hooks", "Notifications:Webhook:Url must be an absolute http or https URL")]
    [InlineData("Attempts", "0", "Notifications:Webhook:Attempts must be between 1 and 10")]
    public async Task Bad_webhook_settings_stop_the_worker_at_start(string key, string? value, string expected)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => ChannelHost.StartAsync(Settings((key, value))));

        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain(Secret, e.Message);
        if (value is not null && key == "Secret")
            Assert.DoesNotContain(value, e.Message);
    }

    [Fact]
    public async Task An_unreadable_secret_file_stops_the_worker_at_start()
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            ChannelHost.StartAsync(Settings(("Secret", null), ("SecretFile", "/nonexistent/webhook-secret"))));

        Assert.Contains("Notifications:Webhook:SecretFile cannot be read", e.Message);
    }

    [Fact]
    public async Task Webhook_settings_are_neither_needed_nor_checked_while_no_channel_list_names_the_webhook()
    {
        await using var channels = await ChannelHost.StartAsync(new Dictionary<string, string?> { ["Notifications:Webhook:Url"] = "not a url" });

        Assert.Equal([InboxChannel.ChannelName], channels.Channels.Select(c => c.Name));
    }

    [Fact]
    public async Task The_worker_process_posts_the_assignment_to_the_webhook_and_marks_both_channels_delivered()
    {
        await using var worker = WorkerProcess.Start(host.ConnectionString, new Dictionary<string, string>
        {
            ["Notifications__DefaultChannels__0"] = "Inbox",
            ["Notifications__DefaultChannels__1"] = "Webhook",
            ["Notifications__Webhook__Url"] = _receiver.Url,
            ["Notifications__Webhook__Secret"] = Secret,
        });
        var org = await Sample.OrganizationAsync(host.Organization);
        var assigned = await new CaseSteps(host.Complaints, org).AssignedAsync();
        Guid id;
        await using (var c = await host.Database.OpenConnectionAsync())
            id = await c.ExecuteScalarAsync<Guid>("SELECT id FROM notifications WHERE complaint_id = @id::uuid", new { id = assigned.Id });

        var request = await Poll.UntilAsync(() => Task.FromResult(_receiver.Requests.FirstOrDefault(r => r.NotificationId == id.ToString())),
            r => r is not null, TimeSpan.FromSeconds(60), "the worker to POST the notification; worker output:\n" + worker.Output);
        Assert.True(SignatureIsValid(request!, Secret));
        using (var json = JsonDocument.Parse(request!.Body))
        {
            Assert.Equal(assigned.CaseNumber, json.RootElement.GetProperty("case_number").GetString());
            Assert.Equal("138****8000", json.RootElement.GetProperty("customer_phone_masked").GetString());
        }

        await Poll.UntilAsync(async () =>
        {
            await using var c = await host.Database.OpenConnectionAsync();
            return (await c.QueryAsync<string>(
                "SELECT channel FROM notification_deliveries WHERE notification_id = @id AND delivered_at IS NOT NULL ORDER BY channel", new { id })).ToList();
        }, channels => channels.SequenceEqual(["Inbox", "Webhook"]), TimeSpan.FromSeconds(30), "both deliveries to be marked delivered");
        Assert.False(worker.HasExited, worker.Output);
        // Handed to Hangfire as a batch job, never as a job per delivery.
        await using var db = await host.Database.OpenConnectionAsync();
        var jobs = (await db.QueryAsync<string>("SELECT invocationdata::text FROM hangfire.job WHERE invocationdata::text LIKE '%INotificationDeliveryJob%'")).ToList();
        Assert.NotEmpty(jobs);
        Assert.All(jobs, j => Assert.Contains("DeliverBatchAsync", j));
    }

    [Fact]
    public async Task The_worker_process_refuses_to_start_with_a_short_webhook_secret_and_does_not_print_it()
    {
        const string shortSecret = "short-webhook-secret";
        await using var worker = WorkerProcess.Start(host.ConnectionString, new Dictionary<string, string>
        {
            ["Notifications__DefaultChannels__0"] = "Webhook",
            ["Notifications__Webhook__Url"] = _receiver.Url,
            ["Notifications__Webhook__Secret"] = shortSecret,
        });

        await Poll.UntilAsync(() => Task.FromResult(worker.HasExited), exited => exited, TimeSpan.FromSeconds(60),
            "the worker to stop on the bad secret; output:\n" + worker.Output);
        // The output pipes may still be draining just after the exit.
        var output = await Poll.UntilAsync(() => Task.FromResult(worker.Output), o => o.Contains("Notifications:Webhook:Secret", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), "the validation message in the worker's output");
        Assert.Contains("must be at least 32 bytes", output);
        Assert.DoesNotContain(shortSecret, output);
    }
}
