using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Reporting;

namespace ComplaintGrpc.IntegrationTests.Complaints;

/// <summary>The overnight report's warning lines over real PostgreSQL, for today's report window, on a database of its own.</summary>
public sealed class WarningReportTests(IntakeHost host) : IClassFixture<IntakeHost>
{
    [Fact]
    public async Task The_report_counts_the_days_warned_cases_by_rule()
    {
        SubmitComplaintRequest Plain()
        {
            var r = Sample.Complaint();
            r.Customer.AccountNumber = "";
            r.Customer.Phone = "139" + Random.Shared.NextInt64(10_000_000, 99_999_999);
            r.Customer.Address = "";
            (r.Location.Feeder, r.Location.TransformerArea) = (Sample.Id("f"), "");
            return r;
        }
        var regulator = Plain();
        regulator.Channel = Channel.Regulator12398;
        var both = Plain();
        (both.Channel, both.SkipLevel, both.SkipLevelReason) = (Channel.Regulator12398, true, "越级");
        var keyword = Plain();
        keyword.Description = $"要找{IntakeHost.Keyword}";
        foreach (var r in new[] { regulator, both, keyword, Plain() })
            await host.Complaints.SubmitComplaintAsync(r);

        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);
        await using var connection = await host.Database.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        var counts = await WarningReport.ComputeAsync(connection, tx, new ReportWindow(today, zone), 60, CancellationToken.None);
        var yesterday = await WarningReport.ComputeAsync(connection, tx, new ReportWindow(today.AddDays(-1), zone), 60, CancellationToken.None);

        Assert.Equal([(WarningRule.Regulator, 2), (WarningRule.SkipLevel, 1), (WarningRule.SensitiveKeyword, 1)], counts.Select(c => (c.Rule, c.Cases)));
        Assert.Empty(yesterday);
        var html = new System.Text.StringBuilder();
        WarningReport.AppendHtml(html, counts);
        Assert.Contains("<tr><td>12398监管转办</td><td class=n>2</td></tr>", html.ToString(), StringComparison.Ordinal);
    }
}
