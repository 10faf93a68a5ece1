using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Dapper;
using Google.Protobuf.WellKnownTypes;

namespace ComplaintGrpc.IntegrationTests.Faults;

/// <summary>
/// The worker process killed with SIGKILL, or stopped with SIGTERM, in the middle of enforcing many due clocks (batches of
/// one case, so the sweep takes hundreds of transactions), then a new worker started: every clock is acted on exactly once.
/// One ClockBreached per clock, no notification raised twice, nothing left due; a batch the kill cut through was rolled
/// back whole and done again by the new worker, and SIGTERM ends the process with whole batches only and exit 0.
/// </summary>
[Trait("Suite", "Faults")]
[Collection(FaultSuite.Name)]
public sealed class WorkerCrashTests(WorkerCrashTests.BusyServerHost host) : IClassFixture<WorkerCrashTests.BusyServerHost>
{
    /// <summary>The in-process server with the submission rate limit out of the way of the set-up's hundreds of cases.</summary>
    public sealed class BusyServerHost : ServerHost
    {
        protected override void Configure(Microsoft.AspNetCore.Builder.WebApplicationBuilder builder) =>
            Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(builder.Configuration, new Dictionary<string, string?>
            {
                ["Limits:SubmitPerSecond"] = "100000",
                ["Limits:SubmitBurst"] = "100000",
            });
    }

    private const int Cases = 400;

    [Fact]
    public async Task A_worker_killed_mid_enforcement_leaves_nothing_doubled_and_a_restarted_worker_finishes()
    {
        var units = await Sample.OrganizationAsync(host.Organization);
        var head = Sample.Id("head");
        await host.Organization.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = head, UnitId = units.Station, Name = "主管", Role = HandlerRole.Supervisor } });
        var ids = await CreateOverdueCasesAsync(units);

        var settings = HostProcess.WorkerSettings(host.ConnectionString);
        settings["Worker__ClockBatchSize"] = "1";
        int breachedAtKill;
        await using (var first = HostProcess.Start(HostProcess.Worker, settings))
        {
            await FirstBreachAsync(ids, first);
            first.KillHard();
            await first.WaitForExitAsync(TimeSpan.FromMinutes(1));
            breachedAtKill = await BreachesAsync(ids);
        }
        Assert.InRange(breachedAtKill, 1, Cases - 1);

        await using var second = HostProcess.Start(HostProcess.Worker, settings);
        await Poll.UntilAsync(() => DueAsync(ids), n => n == 0, TimeSpan.FromMinutes(3),
            "the restarted worker to act on every due clock; its output:\n" + second.Output);

        await using var connection = await host.Database.OpenConnectionAsync();
        var breaches = (await connection.QueryAsync<(Guid Id, long Count)>("""
            SELECT c.id, (SELECT count(*) FROM complaint_events e
                          WHERE e.complaint_id = c.id AND e.action = 'ClockBreached' AND e.details->>'clock' = 'FirstContact')
            FROM complaints c WHERE c.id = ANY(@ids::uuid[])
            """, new { ids })).ToList();
        Assert.Equal(Cases, breaches.Count);
        Assert.All(breaches, b => Assert.Equal(1, b.Count));

        var raised = (await connection.QueryAsync<(Guid ComplaintId, string Clock, string Milestone, string HandlerId, long Count)>("""
            SELECT complaint_id, clock, milestone, handler_id, count(*) FROM notifications
            WHERE complaint_id = ANY(@ids::uuid[]) AND clock = 'FirstContact'
            GROUP BY complaint_id, clock, milestone, handler_id
            """, new { ids })).ToList();
        Assert.All(raised, r => Assert.Equal(1, r.Count));
        // reminder-50, reminder-80, last-call and breach to the handler, the breach escalated to the station head.
        Assert.Equal(Cases * 5, raised.Count);
        Assert.False(second.HasExited, second.Output);
    }

    [Fact]
    public async Task A_worker_stopped_with_sigterm_mid_enforcement_exits_0_with_whole_batches_only()
    {
        var units = await Sample.OrganizationAsync(host.Organization);
        var head = Sample.Id("head");
        await host.Organization.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = head, UnitId = units.Station, Name = "主管", Role = HandlerRole.Supervisor } });
        var ids = await CreateOverdueCasesAsync(units);

        var settings = HostProcess.WorkerSettings(host.ConnectionString);
        settings["Worker__ClockBatchSize"] = "1";
        await using (var first = HostProcess.Start(HostProcess.Worker, settings))
        {
            await FirstBreachAsync(ids, first);
            first.Terminate();
            var status = await first.WaitForExitAsync(TimeSpan.FromMinutes(1));
            Assert.True(status == 0, $"the worker exited {status}, not 0, on SIGTERM:{Environment.NewLine}{first.Output}");
        }

        // Every case breached so far has all of its breach's notifications: a batch is all or nothing.
        await using (var connection = await host.Database.OpenConnectionAsync())
        {
            var partial = await connection.ExecuteScalarAsync<long>("""
                SELECT count(*) FROM complaints c
                WHERE c.id = ANY(@ids::uuid[])
                  AND EXISTS (SELECT 1 FROM complaint_events e WHERE e.complaint_id = c.id AND e.action = 'ClockBreached')
                  AND (SELECT count(*) FROM notifications n WHERE n.complaint_id = c.id AND n.clock = 'FirstContact') <> 5
                """, new { ids });
            Assert.Equal(0, partial);
        }

        await using var second = HostProcess.Start(HostProcess.Worker, settings);
        await Poll.UntilAsync(() => DueAsync(ids), n => n == 0, TimeSpan.FromMinutes(3),
            "the restarted worker to act on every due clock; its output:\n" + second.Output);
        await using var check = await host.Database.OpenConnectionAsync();
        var firstContactBreaches = (await check.QueryAsync<long>("""
            SELECT (SELECT count(*) FROM complaint_events e
                    WHERE e.complaint_id = c.id AND e.action = 'ClockBreached' AND e.details->>'clock' = 'FirstContact')
            FROM complaints c WHERE c.id = ANY(@ids::uuid[])
            """, new { ids })).ToList();
        Assert.Equal(Cases, firstContactBreaches.Count);
        Assert.All(firstContactBreaches, n => Assert.Equal(1, n));
    }

    private async Task<string[]> CreateOverdueCasesAsync(Sample.Org units)
    {
        var ids = new string[Cases];
        await Parallel.ForAsync(0, Cases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var request = Sample.Complaint();
            request.ReceivedTime = new Timestamp { Seconds = DateTimeOffset.UtcNow.AddHours(-26).ToUnixTimeSeconds() };
            var c = await host.Complaints.SubmitComplaintAsync(request, cancellationToken: ct);
            c = await host.Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = units.Station }, cancellationToken: ct);
            c = await host.Complaints.AssignHandlerAsync(new AssignHandlerRequest { Id = c.Id, Etag = c.Etag, HandlerId = units.Handler }, cancellationToken: ct);
            ids[i] = c.Id;
        });
        return ids;
    }

    /// <summary>Waits for the worker's first breach, looking every 10 ms (not with Poll's usual back-off): the fault must
    /// land while most batches are still to do.</summary>
    private async Task FirstBreachAsync(string[] ids, HostProcess worker)
    {
        var (_, exited) = await Poll.UntilAsync(async () => (Breaches: await BreachesAsync(ids), Exited: worker.HasExited),
            s => s.Breaches > 0 || s.Exited, TimeSpan.FromMinutes(2), "the worker's first breach; its output:\n" + worker.Output,
            maxInterval: TimeSpan.FromMilliseconds(10));
        if (exited)
            throw new InvalidOperationException("The worker exited before it breached a clock; its output:\n" + worker.Output);
    }

    private async Task<int> BreachesAsync(string[] ids)
    {
        await using var c = await host.Database.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM complaint_events WHERE complaint_id = ANY(@ids::uuid[]) AND action = 'ClockBreached'", new { ids });
    }

    private async Task<long> DueAsync(string[] ids)
    {
        await using var c = await host.Database.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM case_clocks WHERE complaint_id = ANY(@ids::uuid[]) AND next_action_at <= now()", new { ids });
    }
}
