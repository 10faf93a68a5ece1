using System.Security.Cryptography;
using System.Text;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Dashboard;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Faults;

/// <summary>
/// Faults on the way out, with real worker processes against the test PostgreSQL and a real HTTP receiver (issue 12,
/// items 2 and 3): a hung webhook must not hold up inbox deliveries, reminders, escalations or the default Hangfire
/// queue, and must get every notification exactly once when it answers again; a worker killed with -9 in the middle
/// of a delivery leaves it to a second worker within the short lease, nothing doubled.
/// Alone in its collection because the server enqueues a Hangfire job (the report run): see HangfireStatics.
/// </summary>
[Trait("Suite", "Faults")]
[Collection(HangfireStatics.AloneCollection)]
public sealed class DeliveryFaultTests(ServerHost host) : IClassFixture<ServerHost>, IAsyncLifetime
{
    private const string Secret = "delivery-fault-tests-secret-of-at-least-32-bytes";
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private Dictionary<string, string> Settings(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string>
        {
            ["Notifications__DefaultChannels__0"] = "Inbox",
            ["Notifications__DefaultChannels__1"] = "Webhook",
            ["Notifications__Webhook__Url"] = _receiver.Url,
            ["Notifications__Webhook__Secret"] = Secret,
        };
        foreach (var (key, value) in more)
            settings[key] = value;
        return settings;
    }

    [Fact]
    public async Task A_hung_webhook_holds_up_neither_inbox_deliveries_nor_reminders_escalations_or_report_runs_and_then_gets_each_notification_once()
    {
        _receiver.Hold();
        var org = await OrganizationAsync();
        var assigned = new List<Complaint>();
        for (var i = 0; i < 3; i++)
            assigned.Add(await new CaseSteps(host.Complaints, org.Units).AssignedAsync());
        // Overdue before the worker starts (as in EnforcementTests): its reminders, breach and escalation are raised
        // by the worker below, whose webhook deliveries hang.
        var late = await AssignedCaseAsync(org, TimeSpan.FromHours(30));
        await using var worker = WorkerProcess.Start(host.ConnectionString, Settings(
            // One job per delivery, and the sender waits as long as the receiver does: every webhook worker hangs.
            ("Worker__OutboxBatchSize", "1"),
            ("Worker__HangfireWorkerCount", "1"),
            ("Notifications__Delivery__WorkerCount", "2"),
            ("Notifications__Delivery__Timeout", "00:05:00"),
            ("Notifications__Webhook__Attempts", "1"),
            ("Notifications__Webhook__AttemptTimeout", "00:05:00")));
        await Poll.UntilAsync(() => Task.FromResult(_receiver.Requests.Count), n => n >= 1, TimeSpan.FromSeconds(60),
            "the webhook deliveries to hang on the receiver; worker output:\n" + worker.Output);

        // While they hang: an assignment made now reaches the inbox, the overdue case's reminder, breach and
        // escalation reach theirs, and an administrator's report run (the default Hangfire queue) completes.
        var fresh = await new CaseSteps(host.Complaints, org.Units).AssignedAsync();
        await Poll.UntilAsync(() => InboxDeliveredAsync(fresh.Id), made => made.Contains(("assigned", org.Units.Handler)), TimeSpan.FromSeconds(60),
            "the new assignment to reach the inbox while the webhook hangs");
        List<(string Milestone, string HandlerId)> inbox;
        try
        {
            inbox = await Poll.UntilAsync(() => InboxDeliveredAsync(late.Id),
                made => made.Contains(("reminder-50", org.Units.Handler)) && made.Contains(("breach", org.Units.Handler)) && made.Contains(("breach", org.StationHead)),
                TimeSpan.FromSeconds(60), "the overdue case's reminder, breach and escalation to reach inboxes");
        }
        catch (TimeoutException e)
        {
            await using var c = await host.Database.OpenConnectionAsync();
            var raised = await c.QueryAsync<string>("""
                SELECT concat_ws(' ', n.kind, n.milestone, n.handler_id, n.deliver_after, n.fanned_out_at, d.channel, d.delivered_at)
                FROM notifications n LEFT JOIN notification_deliveries d ON d.notification_id = n.id WHERE n.complaint_id = @id::uuid
                """, new { id = late.Id });
            throw new TimeoutException($"{e.Message}\nnow {DateTime.UtcNow:O}; the case's notifications:\n{string.Join("\n", raised)}\nworker output:\n{worker.Output}", e);
        }
        Assert.Contains(("assigned", org.Units.Handler), inbox);
        Assert.Empty(_receiver.Answered);
        var reports = new ReportService.ReportServiceClient(host.ChannelFor(host.Token("fault-admin", [Roles.Administrator])));
        var yesterday = DateTime.UtcNow.AddHours(8).AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        RunBacklogReportResponse run;
        try
        {
            run = await reports.RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = yesterday });
        }
        catch (RpcException e)
        {
            throw new InvalidOperationException($"RunBacklogReport answered {e.Status}; server errors:\n{string.Join("\n", host.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal)))}", e);
        }
        await Poll.UntilAsync(() => ScalarAsync<long>("SELECT count(*) FROM report_runs WHERE run_id = @id::uuid AND finished_at IS NOT NULL", new { id = run.RunId }),
            n => n == 1, TimeSpan.FromSeconds(60), "the report run to finish while the webhook hangs; worker output:\n" + worker.Output);
        Assert.Empty(_receiver.Answered);

        // The receiver answers again: every notification of these cases is delivered to it once, signed.
        _receiver.Release();
        var ids = await NotificationIdsAsync([.. assigned.Select(c => c.Id), late.Id, fresh.Id]);
        await Poll.UntilAsync(() => ScalarAsync<long>(
                "SELECT count(*) FROM notification_deliveries WHERE notification_id = ANY(@ids) AND channel = 'Webhook' AND delivered_at IS NULL", new { ids }),
            n => n == 0, TimeSpan.FromSeconds(90), "every webhook delivery to complete after the receiver recovered; worker output:\n" + worker.Output);
        AssertDeliveredOnceEach(ids);
        Assert.False(worker.HasExited, worker.Output);
    }

    [Fact]
    public async Task A_worker_killed_mid_delivery_leaves_it_to_a_second_worker_within_the_short_lease_and_nothing_is_doubled()
    {
        // Short leases so the test waits seconds: a fetched job is fetched again after 5 s, a claim lapses after 10 s.
        var leases = new[]
        {
            ("Storage__InvisibilityTimeout", "00:00:05"),
            ("Notifications__Delivery__Timeout", "00:00:05"),
            ("Notifications__Delivery__JobBudget", "00:00:05"),
            ("Notifications__Delivery__RetryDelay", "00:00:01"),
        };
        _receiver.Hold();
        var org = await OrganizationAsync();
        List<Guid> ids;
        await using (var first = WorkerProcess.Start(host.ConnectionString, Settings(leases)))
        {
            var assigned = new List<Complaint>();
            for (var i = 0; i < 3; i++)
                assigned.Add(await new CaseSteps(host.Complaints, org.Units).AssignedAsync());
            ids = await NotificationIdsAsync([.. assigned.Select(c => c.Id)]);
            await Poll.UntilAsync(() => Task.FromResult(_receiver.Requests.Count), n => n >= 1, TimeSpan.FromSeconds(60),
                "the first worker to be sending; its output:\n" + first.Output);
            // Leaving this block kills the first worker (kill -9) with its request in flight and its claim held.
        }
        Assert.Equal(0, await ScalarAsync<long>(
            "SELECT count(*) FROM notification_deliveries WHERE notification_id = ANY(@ids) AND channel = 'Webhook' AND delivered_at IS NOT NULL", new { ids }));
        _receiver.Release();

        await using var second = WorkerProcess.Start(host.ConnectionString, Settings(leases));
        await Poll.UntilAsync(() => ScalarAsync<long>(
                "SELECT count(*) FROM notification_deliveries WHERE notification_id = ANY(@ids) AND channel = 'Webhook' AND delivered_at IS NULL", new { ids }),
            n => n == 0, TimeSpan.FromSeconds(60), "the second worker to complete the deliveries; its output:\n" + second.Output);
        AssertDeliveredOnceEach(ids);
        Assert.Equal(0, await ScalarAsync<long>(
            "SELECT count(*) FROM notification_deliveries WHERE notification_id = ANY(@ids) AND claim_id IS NOT NULL", new { ids }));
    }

    /// <summary>Every notification reached the receiver with exactly one answered, correctly signed request.</summary>
    private void AssertDeliveredOnceEach(List<Guid> ids)
    {
        var answered = _receiver.Answered.Where(r => r.AnsweredWith == 200).ToList();
        foreach (var id in ids)
        {
            var once = Assert.Single(answered, r => r.NotificationId == id.ToString());
            Assert.True(SignatureIsValid(once), $"the signature of {id} does not match its body");
        }
        Assert.All(_receiver.Requests, r => Assert.True(SignatureIsValid(r)));
    }

    private static bool SignatureIsValid(WebhookReceiver.Request r)
    {
        var expected = Encoding.ASCII.GetBytes("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), r.Body)));
        return r.Signature is not null && CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(r.Signature));
    }

    private sealed record Org(Sample.Org Units, string StationHead);

    private async Task<Org> OrganizationAsync()
    {
        var units = await Sample.OrganizationAsync(host.Organization);
        var head = Sample.Id("head");
        await host.Organization.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = head, UnitId = units.Station, Name = "主管", Role = HandlerRole.Supervisor } });
        return new Org(units, head);
    }

    /// <summary>A case received <paramref name="ago"/> before now (its time limits long due), dispatched and assigned.</summary>
    private async Task<Complaint> AssignedCaseAsync(Org org, TimeSpan ago)
    {
        var request = Sample.Complaint();
        request.ReceivedTime = new Timestamp { Seconds = DateTimeOffset.UtcNow.Subtract(ago).ToUnixTimeSeconds() };
        var c = await host.Complaints.SubmitComplaintAsync(request);
        c = await host.Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = org.Units.Station });
        return await host.Complaints.AssignHandlerAsync(new AssignHandlerRequest { Id = c.Id, Etag = c.Etag, HandlerId = org.Units.Handler });
    }

    /// <summary>(milestone, or "assigned" for the assignment; recipient) of this case's notifications in inboxes.</summary>
    private async Task<List<(string Milestone, string HandlerId)>> InboxDeliveredAsync(string complaintId)
    {
        await using var c = await host.Database.OpenConnectionAsync();
        return [.. await c.QueryAsync<(string, string)>("""
            SELECT CASE WHEN n.kind = 'CaseAssigned' THEN 'assigned' ELSE n.milestone END, n.handler_id FROM notifications n JOIN notification_deliveries d ON d.notification_id = n.id
            WHERE n.complaint_id = @id::uuid AND d.channel = 'Inbox' AND d.delivered_at IS NOT NULL
            """, new { id = complaintId })];
    }

    private async Task<List<Guid>> NotificationIdsAsync(string[] complaintIds)
    {
        await using var c = await host.Database.OpenConnectionAsync();
        return [.. await c.QueryAsync<Guid>("SELECT id FROM notifications WHERE complaint_id = ANY(@ids::uuid[])", new { ids = complaintIds })];
    }

    private async Task<T> ScalarAsync<T>(string sql, object parameters)
    {
        await using var c = await host.Database.OpenConnectionAsync();
        return (await c.ExecuteScalarAsync<T>(sql, parameters))!;
    }
}
