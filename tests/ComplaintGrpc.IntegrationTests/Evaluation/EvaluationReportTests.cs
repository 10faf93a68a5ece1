using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Evaluation;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Reporting;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage.Evaluation;
using Microsoft.Extensions.Options;

namespace ComplaintGrpc.IntegrationTests.Evaluation;

/// <summary>The overnight report's evaluation section over real PostgreSQL, for today's report window.</summary>
public sealed class EvaluationReportTests(ServerHost host) : IClassFixture<ServerHost>
{
    [Fact]
    public async Task The_report_gives_substantiation_per_unit_overturns_per_reviewer_unit_the_open_queue_and_frequently_complained_posts()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        await host.Organization.CreateDepartmentAsync(new CreateDepartmentRequest { Department = new Department { DepartmentId = "yx", UnitId = org.Station, Name = "营销班" } });
        await host.Organization.CreatePostAsync(new CreatePostRequest { Post = new Post { PostId = "cb", DepartmentId = "yx", Name = "抄表员" } });
        var reviewer = new ComplaintService.ComplaintServiceClient(host.ChannelFor(host.Token("sup-station", [Roles.Supervisor], org.Station)));
        SubmitComplaintRequest Submission()
        {
            var r = Sample.Complaint();
            r.Customer.AccountNumber = $"{Random.Shared.NextInt64(1_000_000_000, 9_999_999_999)}";
            return r;
        }
        for (var i = 0; i < 3; i++)
        {
            var c = await Lifecycle.CalledBackAsync(host.Complaints, org, Submission());
            var f = Findings.Substantiated(c);
            f.Responsibility = new Responsibility { ResponsibilityClass = ResponsibilityClass.Marketing, UnitId = org.Station, DepartmentId = "yx", PostId = "cb" };
            c = await Findings.RecordAsync(reviewer, c, f);
            await reviewer.CloseComplaintAsync(new CloseComplaintRequest { Id = c.Id, Etag = c.Etag });
        }
        var kept = await Lifecycle.ClosedAsync(host.Complaints, reviewer, org, Submission());
        var overturned = await Lifecycle.ClosedAsync(host.Complaints, reviewer, org, Submission());
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);
        await new QualitySampler(host.Database, Options.Create(new SamplingOptions()), TimeProvider.System)
            .RunAsync(today.AddDays(-(((int)today.DayOfWeek + 6) % 7)), CancellationToken.None);
        var inspector = new QualityService.QualityServiceClient(host.ChannelFor(host.Token("insp", [Roles.Inspector], org.City)));
        await inspector.RecordQualityVerdictAsync(new RecordQualityVerdictRequest { Id = overturned.Id, Etag = overturned.Etag, Verdict = QualityVerdict.Overturned, Reason = "认定不实" });

        await using var connection = await host.Database.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        var figures = await EvaluationReport.ComputeAsync(connection, tx, new ReportWindow(today, zone), 60, CancellationToken.None);

        // Closed now: 3 substantiated and the 不属实 one awaiting its verdict (the overturned case was reopened).
        Assert.Equal([(org.Station, 3, 4)], figures.Substantiation.Select(s => (s.UnitId, s.Substantiated.Numerator, s.Substantiated.Denominator)));
        Assert.Equal([(org.Station, 1, 1, 1.0)], figures.Overturns.Select(o => (o.ReviewerUnitId, o.Overturned.Numerator, o.Overturned.Denominator, o.Overturned.Value)));
        Assert.Equal(1, figures.OpenQualityQueue); // the kept case still awaits its verdict
        Assert.Equal([("cb", org.Station, 3)], figures.FrequentlyComplainedPosts.Select(f => (f.PostId, f.UnitId, f.Substantiated)));
        Assert.Equal(CaseStatus.Closed, (await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = kept.Id })).Status);

        // The same figures as the report's HTML page shows them, units by name.
        var html = new System.Text.StringBuilder();
        EvaluationReport.AppendHtml(html, figures, new Dictionary<string, string> { [org.Station] = "东山供电所" });
        var page = html.ToString();
        Assert.Contains("<tr><td>东山供电所</td><td class=n>4</td><td class=n>3</td><td class=n>75.0%</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains("<tr><td>东山供电所</td><td class=n>1</td><td class=n>1</td><td class=n>100.0%</td></tr>", page, StringComparison.Ordinal);
        Assert.Contains("<tr><td>cb</td><td>东山供电所</td><td class=n>3</td></tr>", page, StringComparison.Ordinal);
        Assert.DoesNotContain(org.Station, page, StringComparison.Ordinal);
        Assert.Contains("<p id=\"open-quality-queue\">质检待结论: 1</p>", page, StringComparison.Ordinal);
        // The CSV names each unit by id and, beside it, by the report's unit row's name.
        var csv = System.Text.Encoding.UTF8.GetString(ReportCsv.Render(
            new BacklogReport
            {
                Summary = new ReportSummary { TimeZone = "Asia/Shanghai" }, Total = new BacklogFigures(), Evaluation = figures,
                Units = { new UnitBacklog { UnitId = org.Station, Name = "东山供电所" } },
            }, ReportTable.Evaluation));
        Assert.Contains("指标,单位编码,单位名称,分子,分母,比率\r\n", csv, StringComparison.Ordinal);
        Assert.Contains($"属实率(近30日归档),{org.Station},东山供电所,3,4,75.0%", csv, StringComparison.Ordinal);
        Assert.Contains($"质检推翻率(按认定单位),{org.Station},东山供电所,1,1,100.0%", csv, StringComparison.Ordinal);
        Assert.Contains("质检待结论,,,1,,", csv, StringComparison.Ordinal);
        Assert.Contains($"频繁被投诉岗位:cb,{org.Station},东山供电所,3,,", csv, StringComparison.Ordinal);
    }
}
