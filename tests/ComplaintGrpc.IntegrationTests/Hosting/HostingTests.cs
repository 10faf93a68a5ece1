using System.Net;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Storage;
using Dapper;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Npgsql;

namespace ComplaintGrpc.IntegrationTests.Hosting;

public sealed class HostingTests(ServerHost host) : IClassFixture<ServerHost>
{
    [Fact]
    public async Task The_standard_grpc_health_service_reports_serving()
    {
        var health = new Health.HealthClient(host.Channel);
        var reply = await health.CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public async Task Server_reflection_lists_the_complaint_services()
    {
        var reflection = new ServerReflection.ServerReflectionClient(host.Channel);
        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext());
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("complaints.v1.ComplaintService", names);
        Assert.Contains("complaints.v1.OrganizationService", names);
        Assert.Contains("complaints.v1.NotificationService", names);
        Assert.Contains("grpc.health.v1.Health", names);
    }

    [Fact]
    public async Task The_admin_port_serves_health_and_the_dashboard_over_http1()
    {
        using var http = new HttpClient();
        var ready = await http.GetAsync($"http://127.0.0.1:{host.AdminPort}/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var live = await http.GetAsync($"http://127.0.0.1:{host.AdminPort}/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        // The dashboard is there, behind its sign-in (Dashboard/ tests cover signing in); loopback gets no free pass.
        var dashboard = await http.GetAsync($"http://127.0.0.1:{host.AdminPort}/hangfire");
        Assert.Equal(HttpStatusCode.Unauthorized, dashboard.StatusCode);
    }

    [Fact]
    public async Task The_callers_deadline_cancels_the_database_work_it_started()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var c = await new CaseSteps(host.Complaints, org).DispatchedAsync();

        // Another session holds the case's row lock, so the server's SELECT ... FOR UPDATE waits.
        await using var blocker = await host.Database.OpenConnectionAsync();
        await using var tx = await blocker.BeginTransactionAsync();
        await blocker.ExecuteAsync("SELECT 1 FROM complaints WHERE id = @id::uuid FOR UPDATE", new { id = c.Id }, tx);

        var e = await Assert.ThrowsAsync<RpcException>(() => host.Complaints.AssignHandlerAsync(
            new AssignHandlerRequest { Id = c.Id, Etag = c.Etag, HandlerId = org.Handler },
            deadline: DateTime.UtcNow.AddMilliseconds(500)).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);

        // The server cancelled its query rather than leaving it queued behind the lock.
        var waiting = await Poll.UntilAsync(() => blocker.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", transaction: tx),
            n => n == 0, TimeSpan.FromSeconds(10), "the server's blocked query to be cancelled");
        Assert.Equal(0, waiting);
        await tx.RollbackAsync();
        var after = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = c.Id });
        Assert.Equal(CaseStatus.Dispatched, after.Status);
    }

    [Fact]
    public async Task A_message_over_the_size_limit_is_resource_exhausted()
    {
        var request = Sample.Complaint();
        request.Description = new string('x', 2 * 1024 * 1024);
        var e = await Assert.ThrowsAsync<RpcException>(() => host.Complaints.SubmitComplaintAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
    }

    [Fact]
    public async Task Migrations_run_once_even_when_several_processes_start_together()
    {
        var empty = await TestDatabase.CreateEmptyAsync();
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => SchemaMigrationService.MigrateAsync(empty, CancellationToken.None))));

        Assert.Single(runs, applied => applied.Count > 0);
        Assert.Empty(await SchemaMigrationService.MigrateAsync(empty, CancellationToken.None));
        await using var c = new NpgsqlConnection(empty);
        Assert.Equal(runs.Single(r => r.Count > 0).Count, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM schemaversions"));
    }
}
