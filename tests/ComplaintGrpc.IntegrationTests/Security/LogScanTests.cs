using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Security;

public sealed class LogScanTests(ServerHost host) : IClassFixture<ServerHost>
{
    [Fact]
    public async Task Neither_server_nor_worker_logs_a_customers_phone_or_name()
    {
        const string phone = "13912345678", name = "欧阳锋测试";
        var org = await Sample.OrganizationAsync(host.Organization);
        await using var worker = WorkerProcess.Start(host.ConnectionString, new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Debug" });

        // The whole life of a case, errors included, with a customer whose details are easy to find.
        var request = Sample.Complaint();
        request.Customer.Phone = "+86 139-1234-5678";
        request.Customer.Name = name;
        var c = await host.Complaints.SubmitComplaintAsync(request);
        var other = request.Clone();
        other.Description = "changed";
        await Assert.ThrowsAsync<RpcException>(() => host.Complaints.SubmitComplaintAsync(other).ResponseAsync);
        var bad = request.Clone();
        bad.RequestId = Sample.Id("bad");
        bad.Customer.Phone = phone + "99";
        await Assert.ThrowsAsync<RpcException>(() => host.Complaints.SubmitComplaintAsync(bad).ResponseAsync);
        c = await host.Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = org.Station });
        c = await host.Complaints.AssignHandlerAsync(new AssignHandlerRequest { Id = c.Id, Etag = c.Etag, HandlerId = org.Handler });
        await Poll.UntilAsync(() => host.Notifications.ListNotificationsAsync(new ListNotificationsRequest { HandlerId = org.Handler }).ResponseAsync,
            r => r.Notifications.Any(n => n.ComplaintId == c.Id), TimeSpan.FromSeconds(60), "the assignment notification");

        Assert.NotEmpty(host.Logs.Lines);
        foreach (var line in host.Logs.Lines.Append(worker.Output))
        {
            Assert.DoesNotContain(phone, line, StringComparison.Ordinal);
            Assert.DoesNotContain("139-1234-5678", line, StringComparison.Ordinal);
            Assert.DoesNotContain(name, line, StringComparison.Ordinal);
        }
        Assert.Contains(host.Logs.Lines, l => l.Contains(c.CaseNumber, StringComparison.Ordinal));
    }
}
