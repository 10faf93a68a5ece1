using System.Text;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Reports;
using ComplaintGrpc.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ComplaintGrpc.IntegrationTests.Reports;

/// <summary>
/// More overdue and due-soon clocks than the report lists, for the cut-off of 12 Oct 2026 (13 Oct 00:00 +08:00): 60
/// 95598 complaints received on Thu 8 Oct (dispatch and first contact overdue; the reply, 4 working days with the
/// 10 Oct make-up day, due 14 Oct 00:00, exactly 24 hours after the cut-off) and 110 received on the evening of 12 Oct
/// (dispatch overdue, first contact due the next evening): 230 overdue clocks and 170 due soon, each case a minute apart
/// so that no two clocks of a kind share a due time. The report keeps the counts whole and lists the first 100 of
/// each; the live list and its CSV hold all 230.
/// </summary>
public sealed class ReportListCapTests(ReportListCapTests.Backlog host) : IClassFixture<ReportListCapTests.Backlog>
{
    private const int Listed = 100, Overdue = 230, DueSoon = 170;

    [Fact]
    public async Task The_report_lists_the_first_100_and_counts_them_all()
    {
        var report = (await host.Reports.RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = "2026-10-12", Wait = true })).Report;

        Assert.Equal((Overdue, DueSoon), (report.Total.OverdueClocks, report.Total.DueWithin24H));
        Assert.Equal((Listed, Listed), (report.Overdue.Count, report.DueSoon.Count));
        var dueSoon = report.DueSoon.Select(a => a.DueTime.ToDateTimeOffset()).ToList();
        Assert.Equal(dueSoon.Order(), dueSoon);

        // The live list, as at a minute after the cut-off with nothing changed since, holds every overdue clock; the
        // report's are its most overdue 100, in the same order.
        var live = await host.WalkAsync(64);
        Assert.Equal(Overdue, live.Count);
        Assert.Equal(live.Take(Listed).Select(a => (a.CaseNumber, a.Clock, a.DueTime)), report.Overdue.Select(a => (a.CaseNumber, a.Clock, a.DueTime)));
        Assert.Equal(Overdue, live.Select(a => (a.ComplaintId, a.Clock)).Distinct().Count());
    }

    [Fact]
    public async Task The_csv_download_holds_every_overdue_clock()
    {
        var live = await host.WalkAsync(1000);
        using var call = host.Reports.DownloadOverdueClocks(new DownloadOverdueClocksRequest());
        var chunks = await call.ResponseStream.ReadAllAsync().ToListAsync();
        Assert.All(chunks, c => Assert.InRange(c.Data.Length, 1, ChunkStream.ChunkBytes));
        var lines = Encoding.UTF8.GetString(chunks.SelectMany(c => c.Data).ToArray()[3..]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(live.Select(a => a.CaseNumber), lines[1..].Select(l => l.Split(',')[0]));
    }

    /// <summary>The 170 cases, each submitted over gRPC at its receipt instant on a fake clock.</summary>
    public sealed class Backlog : ServerHost, IAsyncLifetime
    {
        private static DateTimeOffset Local(int month, int day, int hour, int minute) => new(2026, month, day, hour, minute, 0, TimeSpan.FromHours(8));

        public FakeTimeProvider Clock { get; } = new(Local(10, 8, 0, 0));
        private GrpcChannel _admin = null!;
        public ReportService.ReportServiceClient Reports => new(_admin);

        protected override void Configure(WebApplicationBuilder builder) => builder.Services.AddSingleton<TimeProvider>(Clock);

        public new async Task InitializeAsync()
        {
            await base.InitializeAsync();
            _admin = ChannelFor(DevTokens.Mint(Auth, "cap-admin", [Roles.Supervisor, Roles.Administrator],
                lifetime: TimeSpan.FromDays(400), now: Clock.GetUtcNow().AddDays(-1)));
            var complaints = new ComplaintService.ComplaintServiceClient(_admin);
            var received = Enumerable.Range(0, 60).Select(i => Local(10, 8, 8, 0).AddMinutes(i))
                .Concat(Enumerable.Range(0, 110).Select(i => Local(10, 12, 18, 0).AddMinutes(i)));
            foreach (var at in received)
            {
                Clock.SetUtcNow(at);
                var request = Sample.Complaint();
                request.ReceivedTime = Timestamp.FromDateTimeOffset(at);
                await complaints.SubmitComplaintAsync(request);
            }
            Clock.SetUtcNow(Local(10, 13, 0, 1));
        }

        public new async Task DisposeAsync()
        {
            _admin?.Dispose();
            await base.DisposeAsync();
        }

        public async Task<List<ClockAlert>> WalkAsync(int pageSize)
        {
            var all = new List<ClockAlert>();
            var request = new ListOverdueClocksRequest { PageSize = pageSize };
            while (true)
            {
                var page = await Reports.ListOverdueClocksAsync(request);
                all.AddRange(page.Clocks);
                if (page.NextPageToken.Length == 0)
                    return all;
                request.PageToken = page.NextPageToken;
            }
        }
    }
}
