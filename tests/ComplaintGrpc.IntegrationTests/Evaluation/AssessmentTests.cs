using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Evaluation;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage;
using ComplaintGrpc.Storage.Evaluation;
using Microsoft.Extensions.Options;

namespace ComplaintGrpc.IntegrationTests.Evaluation;

/// <summary>考核 for a month worked out by hand, with the default points table (substantiated 2, partly 1, overturned
/// finding 3, breach 0.5), on a database of its own.</summary>
public sealed class AssessmentTests(ServerHost host) : IClassFixture<ServerHost>
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    [Fact]
    public async Task Points_for_a_hand_worked_month_by_unit_department_post_and_person()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        await host.Organization.CreateDepartmentAsync(new CreateDepartmentRequest { Department = new Department { DepartmentId = "yx-dept", UnitId = org.Station, Name = "营销班" } });
        await host.Organization.CreatePostAsync(new CreatePostRequest { Post = new Post { PostId = "meter-reader", DepartmentId = "yx-dept", Name = "抄表员" } });
        await host.Organization.CreatePostAsync(new CreatePostRequest { Post = new Post { PostId = "counter-clerk", DepartmentId = "yx-dept", Name = "柜台" } });
        var reviewer = new ComplaintService.ComplaintServiceClient(host.ChannelFor(host.Token("sup-station", [Roles.Supervisor], org.Station)));

        async Task<Complaint> Close(Substantiation outcome, Responsibility? party)
        {
            var submit = Sample.Complaint();
            submit.Customer.AccountNumber = $"{Random.Shared.NextInt64(1_000_000_000, 9_999_999_999)}";
            var c = await Lifecycle.CalledBackAsync(host.Complaints, org, submit);
            var f = party is null ? Findings.Unsubstantiated(c) : Findings.Substantiated(c);
            f.Outcome = outcome;
            if (party is not null)
                f.Responsibility = party;
            c = await Findings.RecordAsync(reviewer, c, f);
            return await reviewer.CloseComplaintAsync(new CloseComplaintRequest { Id = c.Id, Etag = c.Etag });
        }
        Responsibility Marketing(string post, string staff) => new()
            { ResponsibilityClass = ResponsibilityClass.Marketing, UnitId = org.Station, DepartmentId = "yx-dept", PostId = post, StaffId = staff };

        var first = await Close(Substantiation.Substantiated, Marketing("meter-reader", "E1"));        // E1: 2
        await Close(Substantiation.PartlySubstantiated, Marketing("meter-reader", "E1"));              // E1: 1
        await Close(Substantiation.Substantiated, Marketing("counter-clerk", "E2"));                   // E2: 2
        await Close(Substantiation.Substantiated, new Responsibility { ResponsibilityClass = ResponsibilityClass.Partner }); // no unit: not charged
        var misjudged = await Close(Substantiation.Unsubstantiated, null);                              // overturned below: reviewer 3
        // Two breaches recorded on the first case (as the worker records them): its unit and handler, 0.5 each.
        await using (var connection = await host.Database.OpenConnectionAsync())
        {
            await using var tx = await connection.BeginTransactionAsync();
            foreach (var clock in new[] { "Reply", "Callback" })
                await CaseEvents.AppendAsync(connection, tx, Guid.Parse(first.Id), DateTimeOffset.UtcNow, "system", CaseAction.ClockBreached, "Closed", "Closed",
                    new Dictionary<string, string> { ["clock"] = clock }, CancellationToken.None);
            await tx.CommitAsync();
        }
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Shanghai).DateTime);
        await new QualitySampler(host.Database, Options.Create(new SamplingOptions()), TimeProvider.System)
            .RunAsync(today.AddDays(-(((int)today.DayOfWeek + 6) % 7)), CancellationToken.None);
        var inspector = new QualityService.QualityServiceClient(host.ChannelFor(host.Token("insp", [Roles.Inspector], org.City)));
        var current = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = misjudged.Id });
        await inspector.RecordQualityVerdictAsync(new RecordQualityVerdictRequest { Id = current.Id, Etag = current.Etag, Verdict = QualityVerdict.Overturned, Reason = "认定不实" });

        var month = new DateOnly(today.Year, today.Month, 1);
        var quality = new QualityService.QualityServiceClient(host.Channel);
        async Task<List<(string, int, int, int, int, double)>> Grain(AssessmentGrain grain, int pageSize = 50)
        {
            var all = new List<Assessment>();
            var token = "";
            do
            {
                var page = await quality.ListAssessmentsAsync(new ListAssessmentsRequest
                {
                    PeriodStart = month.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                    PeriodEnd = month.AddMonths(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                    RootUnitId = org.Province, Grain = grain, PageSize = pageSize, PageToken = token,
                });
                all.AddRange(page.Assessments);
                token = page.NextPageToken;
            } while (token.Length > 0);
            return all.Select(a => (a.SubjectId, a.Substantiated, a.PartlySubstantiated, a.OverturnedFindings, a.ClockBreaches, a.Points)).ToList();
        }

        // Station: 2 substantiated × 2 + 1 partly × 1 + 1 overturned × 3 + 2 breaches × 0.5 = 9.
        Assert.Equal([(org.Station, 2, 1, 1, 2, 9.0)], await Grain(AssessmentGrain.Unit));
        Assert.Equal([("yx-dept", 2, 1, 0, 0, 5.0)], await Grain(AssessmentGrain.Department));
        Assert.Equal([("meter-reader", 1, 1, 0, 0, 3.0), ("counter-clerk", 1, 0, 0, 0, 2.0)], await Grain(AssessmentGrain.Post));
        Assert.Equal([("E1", 1, 1, 0, 0, 3.0), ("sup-station", 0, 0, 1, 0, 3.0), ("E2", 1, 0, 0, 0, 2.0), (org.Handler, 0, 0, 0, 2, 1.0)],
            await Grain(AssessmentGrain.Person, pageSize: 3));

        var frequent = await quality.ListFrequentlyComplainedAsync(new ListFrequentlyComplainedRequest { Grain = AssessmentGrain.Person, MinSubstantiated = 2 });
        Assert.Equal([("E1", 2)], frequent.Subjects.Select(s => (s.SubjectId, s.Substantiated)));
        var posts = await quality.ListFrequentlyComplainedAsync(new ListFrequentlyComplainedRequest { Grain = AssessmentGrain.Post, MinSubstantiated = 1 });
        Assert.Equal([("meter-reader", 2), ("counter-clerk", 1)], posts.Subjects.Select(s => (s.SubjectId, s.Substantiated)));
    }

    [Fact]
    public async Task A_bad_period_or_grain_is_invalid_argument_naming_each_field()
    {
        var quality = new QualityService.QualityServiceClient(host.Channel);
        var e = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => quality.ListAssessmentsAsync(
            new ListAssessmentsRequest { PeriodStart = "2026-13-01", PeriodEnd = "" }).ResponseAsync);
        Assert.Equal(["grain", "period_end", "period_start"], Sample.BadFields(e).Order());
    }
}
