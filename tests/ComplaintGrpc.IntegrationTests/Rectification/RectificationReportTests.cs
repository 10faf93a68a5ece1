using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.IntegrationTests.TimeLimits;
using ComplaintGrpc.Reporting;

namespace ComplaintGrpc.IntegrationTests.Rectification;

/// <summary>Overdue and failed rectifications in the overnight report, as at its cut-off, in its figures, HTML and CSV.</summary>
[Trait("Tier", "Integration")]
public sealed class RectificationReportTests(SweepHost host) : IClassFixture<SweepHost>
{
    [Fact]
    public async Task Overdue_and_failed_rectifications_appear_in_the_overnight_report()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var t0 = host.AdvanceToLocal(9);
        var feeder = Sample.Id("10kV城北线");
        await Rectifying.CaseAsync(host, org.Station, t0.AddDays(-2), feeder);
        await Rectifying.CaseAsync(host, org.Station, t0.AddDays(-2), feeder);
        var client = Rectifying.Client(host);
        var overdue = await client.OpenRectificationAsync(Rectifying.FromHotspot(host, org.Station, org.County, Sample.Id("10kV线")));
        var onTime = await client.OpenRectificationAsync(Rectifying.FromHotspot(host, org.Station, org.County, Sample.Id("10kV线")));
        var failing = await client.OpenRectificationAsync(Rectifying.FromHotspot(host, org.Station, org.County, feeder));
        await client.CompleteRectificationAsync(new CompleteRectificationRequest { Id = onTime.Id, Etag = onTime.Etag });
        await client.CompleteRectificationAsync(new CompleteRectificationRequest { Id = failing.Id, Etag = failing.Etag });
        host.AdvanceTo(t0.AddHours(1));
        await Rectifying.CaseAsync(host, org.Station, t0.AddMinutes(30), feeder);
        await Rectifying.CaseAsync(host, org.Station, t0.AddMinutes(40), feeder);
        host.AdvanceTo(t0.AddDays(8));
        Assert.Equal(2, await Rectifying.EvaluateAsync(host)); // onTime: 0 before, 0 after (met); failing: 2 and 2 (not met)

        var date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(host.Now, SweepHost.Beijing).DateTime);
        var window = new ReportWindow(date, SweepHost.Beijing);
        await using var connection = await host.Database.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        var (report, _) = await BacklogReportQuery.ComputeAsync(connection, tx, window, ComplaintGrpc.Domain.TimeLimits.WorkingDayCalendar.ChinaDefault(), 60,
            CancellationToken.None);
        var figures = report.Rectifications;

        var due = overdue.DueTime.ToDateTimeOffset();
        Assert.Equal((1, 1, 1, 1), (figures.Open, figures.Overdue, figures.Failed, figures.Met));
        var late = Assert.Single(figures.OverdueList);
        Assert.Equal((overdue.Id, org.Station, (int)Math.Floor((window.CutOff - due).TotalDays)), (late.RectificationId, late.OwnerUnitId, late.DaysOverdue));
        var failed = Assert.Single(figures.FailedList);
        Assert.Equal((failing.Id, 2, 2, 0.0, 50), (failed.RectificationId, failed.BeforeCount, failed.AfterCount, failed.ChangePercent, failed.TargetReductionPercent));

        report.Summary = new ReportSummary { TimeZone = SweepHost.Beijing.Id };
        var csv = System.Text.Encoding.UTF8.GetString(ReportCsv.Render(report, ReportTable.Rectifications));
        Assert.Contains($"超期整改,{overdue.Id},{org.Station},", csv, StringComparison.Ordinal);
        Assert.Contains($"未达标整改,{failing.Id},{org.Station},", csv, StringComparison.Ordinal);
        var html = System.Text.Encoding.UTF8.GetString(ReportHtml.Render(report));
        Assert.Contains("table-rectifications-overdue", html, StringComparison.Ordinal);
        Assert.Contains(failing.Id, html, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"超期: {figures.Overdue}"), html, StringComparison.Ordinal);
    }
}
