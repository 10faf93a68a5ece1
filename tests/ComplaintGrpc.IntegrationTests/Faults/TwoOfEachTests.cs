using System.Globalization;
using System.Text.RegularExpressions;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace ComplaintGrpc.IntegrationTests.Faults;

/// <summary>
/// Two servers and two workers started together on one empty database, as a small cluster is deployed: the
/// migrations run once between them, each reminder is raised once, and parallel runs of one day's report through both
/// servers store one report.
/// </summary>
[Trait("Suite", "Faults")]
[Collection(FaultSuite.Name)]
public sealed partial class TwoOfEachTests
{
    [Fact]
    public async Task Two_servers_and_two_workers_migrate_once_remind_once_and_store_one_report()
    {
        var database = await TestDatabase.CreateEmptyAsync();
        await using var first = new RestartableServer(database);
        await using var second = new RestartableServer(database);
        await using var workerA = HostProcess.Start(HostProcess.Worker, HostProcess.WorkerSettings(database));
        await using var workerB = HostProcess.Start(HostProcess.Worker, HostProcess.WorkerSettings(database));
        await Task.WhenAll(first.StartAsync(), second.StartAsync());
        await Task.WhenAll(workerA.WaitForOutputAsync("migration(s) applied now"), workerB.WaitForOutputAsync("migration(s) applied now"));

        await using var connection = new NpgsqlConnection(database);
        var scripts = (await connection.QueryAsync<string>("SELECT scriptname FROM schemaversions")).ToList();
        Assert.NotEmpty(scripts);
        Assert.Equal(scripts.Count, scripts.Distinct().Count());
        var appliedByEach = new[] { first.Output, second.Output, workerA.Output, workerB.Output }
            .Select(o => int.Parse(Applied().Match(o).Groups["count"].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(scripts.Count, appliedByEach.Sum());

        // Overdue cases through both servers; both workers enforce.
        using var channelA = RestartableServer.Channel(first.GrpcPort, first.DeskToken);
        using var channelB = RestartableServer.Channel(second.GrpcPort, second.DeskToken);
        var units = await Sample.OrganizationAsync(new OrganizationService.OrganizationServiceClient(channelA));
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var complaints = new ComplaintService.ComplaintServiceClient(i % 2 == 0 ? channelA : channelB);
            var request = Sample.Complaint();
            request.ReceivedTime = new Timestamp { Seconds = DateTimeOffset.UtcNow.AddHours(-26).ToUnixTimeSeconds() };
            var c = await complaints.SubmitComplaintAsync(request);
            c = await complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = units.Station });
            c = await complaints.AssignHandlerAsync(new AssignHandlerRequest { Id = c.Id, Etag = c.Etag, HandlerId = units.Handler });
            ids.Add(c.Id);
        }
        await Poll.UntilAsync(() => connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM case_clocks WHERE complaint_id = ANY(@ids::uuid[]) AND next_action_at <= now()", new { ids = ids.ToArray() }),
            n => n == 0, TimeSpan.FromMinutes(2), "the workers to act on every due clock");
        var reminders = (await connection.QueryAsync<long>("""
            SELECT count(*) FROM notifications WHERE complaint_id = ANY(@ids::uuid[]) AND kind = 'Reminder'
            GROUP BY complaint_id, clock, milestone, handler_id
            """, new { ids = ids.ToArray() })).ToList();
        Assert.NotEmpty(reminders);
        Assert.All(reminders, n => Assert.Equal(1, n));

        // Six parallel runs of yesterday's report, three through each server: one stored report.
        var yesterday = DateTime.UtcNow.AddHours(8).Date.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var runs = Enumerable.Range(0, 6).Select(i => new ReportService.ReportServiceClient(i % 2 == 0 ? channelA : channelB)
            .RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = yesterday, Wait = true }, deadline: DateTime.UtcNow.AddMinutes(2)).ResponseAsync);
        await Task.WhenAll(runs);
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM reports WHERE report_date = @d::date", new { d = yesterday }));

        Assert.False(workerA.HasExited || workerB.HasExited || first.Current.HasExited || second.Current.HasExited,
            workerA.Output + workerB.Output + first.Output + second.Output);
    }

    [GeneratedRegex(@"Schema is up to date; (?<count>\d+) migration\(s\) applied now")]
    private static partial Regex Applied();
}
