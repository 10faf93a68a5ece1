using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Evaluation;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using Dapper;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Library;

/// <summary>典型案例库 over real gRPC and PostgreSQL: a closed case promoted with an anonymised summary keeps no customer
/// data; a text carrying the customer's data is refused and stores nothing; entries are found by cause, category, unit
/// subtree, post and text; retirement goes by etag; frequently complained posts count their library cases.</summary>
public sealed class CaseLibraryTests(ServerHost host) : IClassFixture<ServerHost>
{
    private const string CleanSummary = "客户反映夜间多次停电且未收到通知；经查为检修未公告。";
    private ComplaintService.ComplaintServiceClient Desk => host.Complaints;

    /// <summary>An organisation with a department and a post at its station, and a supervisor at its county.</summary>
    private sealed record World(Sample.Org Org, string Department, string Post, CaseLibraryService.CaseLibraryServiceClient Supervisor);

    private async Task<World> WorldAsync()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var department = Sample.Id("dep");
        var post = Sample.Id("post");
        await host.Organization.CreateDepartmentAsync(new CreateDepartmentRequest { Department = new Department { DepartmentId = department, UnitId = org.Station, Name = "营销班" } });
        await host.Organization.CreatePostAsync(new CreatePostRequest { Post = new Post { PostId = post, DepartmentId = department, Name = "抄表员" } });
        var supervisor = new CaseLibraryService.CaseLibraryServiceClient(host.ChannelFor(host.Token("sup-county", [Roles.Supervisor], org.County)));
        return new World(org, department, post, supervisor);
    }

    /// <summary>A closed case of the world's station, substantiated and charged to <paramref name="post"/> (or a partner
    /// when null) with the given causes.</summary>
    private async Task<Complaint> ClosedAsync(World w, string? post, string[] causes, SubCategory sub = SubCategory.Outage, Category category = Category.Outage)
    {
        var submit = Sample.Complaint();
        submit.Category = category;
        submit.SubCategory = sub;
        var c = await Lifecycle.CalledBackAsync(Desk, w.Org, submit);
        var finding = Findings.Substantiated(c);
        if (post is not null)
            finding.Responsibility = new Responsibility { ResponsibilityClass = ResponsibilityClass.Marketing, UnitId = w.Org.Station, DepartmentId = w.Department, PostId = post };
        finding.RootCauses.Clear();
        foreach (var cause in causes)
            finding.RootCauses.Add(new RootCauseFinding { CauseCode = cause, Note = "张伟反映的问题属实" });
        c = await Findings.RecordAsync(Desk, c, finding);
        return await Desk.CloseComplaintAsync(new CloseComplaintRequest { Id = c.Id, Etag = c.Etag });
    }

    private static PromoteCaseRequest Promote(Complaint c, string summary = CleanSummary) => new()
    {
        ComplaintId = c.Id,
        Summary = summary,
        ActionsTaken = "供电所核实后补发停电通知并更正电费。",
        ShouldHaveDone = "检修前三天按规定在台区张贴公告并短信告知。",
    };

    private async Task<int> StoredFor(Complaint c)
    {
        await using var connection = await host.Database.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT count(*)::int FROM library_cases WHERE complaint_id = @id", new { id = Guid.Parse(c.Id) });
    }

    [Fact]
    public async Task A_promoted_case_is_stored_anonymised_with_the_findings_post_and_causes_and_no_customer_data()
    {
        var w = await WorldAsync();
        var c = await ClosedAsync(w, w.Post, ["metering_billing", "service_awareness"]);

        var entry = await w.Supervisor.PromoteCaseAsync(Promote(c, "客户多次来电；当班员工（手机 139-1234-5678）未回访。"));

        var closedDate = TimeZoneInfo.ConvertTime(c.ClosedTime.ToDateTimeOffset(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"))
            .ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Equal(new LibraryCase
        {
            Id = entry.Id,
            Category = Category.Outage,
            SubCategory = SubCategory.Outage,
            UnitId = w.Org.Station,
            PostId = w.Post,
            Causes = { new LibraryCause { Code = "metering_billing", Name = "计量与电费差错" }, new LibraryCause { Code = "service_awareness", Name = "服务意识" } },
            ClosedDate = closedDate,
            Summary = "客户多次来电；当班员工（手机 ***********）未回访。",
            ActionsTaken = "供电所核实后补发停电通知并更正电费。",
            ShouldHaveDone = "检修前三天按规定在台区张贴公告并短信告知。",
            CaseNumber = c.CaseNumber,
            ComplaintId = c.Id,
            PromotedTime = entry.PromotedTime,
            PromotedBy = "sup-county",
            Etag = "1",
        }, entry);
        Assert.Equal(entry, await w.Supervisor.GetLibraryCaseAsync(new GetLibraryCaseRequest { Id = entry.Id }));

        // Stored: exactly these columns, and not one value the customer gave (the causes' notes named the customer).
        await using var connection = await host.Database.OpenConnectionAsync();
        var columns = (await connection.QueryAsync<string>(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'library_cases' ORDER BY column_name")).ToList();
        Assert.Equal(["actions_taken", "case_number", "category", "closed_on", "complaint_id", "id", "post_id", "promoted_at", "promoted_by",
            "retire_reason", "retired_at", "retired_by", "should_have_done", "sub_category", "summary", "unit_id", "version"], columns);
        var stored = await connection.QuerySingleAsync<string>("""
            SELECT row_to_json(l)::text || coalesce((SELECT json_agg(lc)::text FROM library_case_causes lc WHERE lc.library_case_id = l.id), '')
            FROM library_cases l WHERE l.id = @id
            """, new { id = Guid.Parse(entry.Id) });
        foreach (var customerValue in new[] { "张伟", "13800138000", "138 0013 8000", "3201001234", "南京市江宁区东山街道1号", "13912345678" })
            Assert.DoesNotContain(customerValue, stored, StringComparison.Ordinal);

        // The case number and id are internal references: a handler reads the entry without them.
        var handler = new CaseLibraryService.CaseLibraryServiceClient(host.ChannelFor(host.Token(w.Org.Handler, [Roles.Handler], w.Org.Station)));
        var seenByHandler = await handler.GetLibraryCaseAsync(new GetLibraryCaseRequest { Id = entry.Id });
        Assert.Equal("", seenByHandler.CaseNumber);
        Assert.Equal("", seenByHandler.ComplaintId);
        Assert.Equal(entry.Summary, seenByHandler.Summary);
    }

    [Theory]
    [InlineData("summary", "客户（+86 138-0013-8000）反映停电。", "phone")]
    [InlineData("summary", "客户电话１３８００１３８０００，反映停电。", "phone")]
    [InlineData("summary", "户号 3201-001-234 的客户反映停电。", "account number")]
    [InlineData("actions_taken", "已向张 伟当面解释。", "name")]
    [InlineData("should_have_done", "应上门至南京市江宁区东山街道 1号核实。", "address")]
    public async Task A_text_carrying_the_customers_data_is_refused_naming_the_field_and_nothing_is_stored(string field, string text, string what)
    {
        var w = await WorldAsync();
        var c = await ClosedAsync(w, w.Post, ["service_awareness"]);
        var request = Promote(c);
        switch (field)
        {
            case "summary": request.Summary = text; break;
            case "actions_taken": request.ActionsTaken = text; break;
            default: request.ShouldHaveDone = text; break;
        }

        var e = await Assert.ThrowsAsync<RpcException>(() => w.Supervisor.PromoteCaseAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal([field], Sample.BadFields(e));
        Assert.Contains($"the customer's {what}", e.Status.Detail + string.Join(" ", Sample.Details(e).GetDetail<Google.Rpc.BadRequest>().FieldViolations.Select(v => v.Description)), StringComparison.Ordinal);
        Assert.Equal(0, await StoredFor(c));
        // The same case with clean texts is promoted: the refusal was about the text alone.
        await w.Supervisor.PromoteCaseAsync(Promote(c));
        Assert.Equal(1, await StoredFor(c));
    }

    [Fact]
    public async Task A_case_is_promoted_once_only_when_closed_and_only_by_a_supervisor_above_its_unit()
    {
        var w = await WorldAsync();
        var c = await ClosedAsync(w, null, ["weather_external"]);
        var open = await Lifecycle.CalledBackAsync(Desk, w.Org, Sample.Complaint());
        var elsewhere = await Sample.OrganizationAsync(host.Organization);
        var outsider = new CaseLibraryService.CaseLibraryServiceClient(host.ChannelFor(host.Token("sup-else", [Roles.Supervisor], elsewhere.County)));

        var notClosed = await Assert.ThrowsAsync<RpcException>(() => w.Supervisor.PromoteCaseAsync(Promote(open)).ResponseAsync);
        var outside = await Assert.ThrowsAsync<RpcException>(() => outsider.PromoteCaseAsync(Promote(c)).ResponseAsync);
        var first = await w.Supervisor.PromoteCaseAsync(Promote(c));
        var twice = await Assert.ThrowsAsync<RpcException>(() => w.Supervisor.PromoteCaseAsync(Promote(c)).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, notClosed.StatusCode);
        Assert.Equal("CASE_NOT_CLOSED", Sample.ErrorInfo(notClosed).Reason);
        Assert.Equal(StatusCode.NotFound, outside.StatusCode);
        Assert.Equal(StatusCode.AlreadyExists, twice.StatusCode);
        Assert.Equal("ALREADY_IN_LIBRARY", Sample.ErrorInfo(twice).Reason);
        Assert.Equal("", first.PostId);
        Assert.Equal(["weather_external"], first.Causes.Select(x => x.Code));
        Assert.Equal(0, await StoredFor(open));
        Assert.Equal(1, await StoredFor(c));
    }

    [Fact]
    public async Task Entries_are_found_by_cause_category_unit_subtree_post_and_text()
    {
        var w = await WorldAsync();
        var other = await WorldAsync();
        var admin = new CaseLibraryService.CaseLibraryServiceClient(host.Channel);
        var billing = await admin.PromoteCaseAsync(Promote(await ClosedAsync(w, w.Post, ["metering_billing"], SubCategory.TariffBilling, Category.Business),
            "估抄导致电费偏高，客户多次投诉。"));
        var outage = await admin.PromoteCaseAsync(Promote(await ClosedAsync(w, null, ["publicity_notice"])));
        var elsewhere = await admin.PromoteCaseAsync(Promote(await ClosedAsync(other, other.Post, ["metering_billing"])));

        async Task<List<string>> Found(ListLibraryCasesRequest r)
        {
            r.PageSize = 200;
            return (await w.Supervisor.ListLibraryCasesAsync(r)).Cases.Select(x => x.Id).ToList();
        }

        Assert.Equal([outage.Id, billing.Id], await Found(new ListLibraryCasesRequest { UnitId = w.Org.City }));
        Assert.Equal([outage.Id, billing.Id], await Found(new ListLibraryCasesRequest { UnitId = w.Org.Station }));
        Assert.Equal([elsewhere.Id], await Found(new ListLibraryCasesRequest { UnitId = other.Org.Province }));
        var byCause = await Found(new ListLibraryCasesRequest { CauseCode = "metering_billing" });
        Assert.Contains(billing.Id, byCause);
        Assert.Contains(elsewhere.Id, byCause);
        Assert.DoesNotContain(outage.Id, byCause);
        Assert.Equal([billing.Id], await Found(new ListLibraryCasesRequest { CauseCode = "metering_billing", UnitId = w.Org.County }));
        Assert.Equal([outage.Id], await Found(new ListLibraryCasesRequest { CauseCode = "publicity_notice", UnitId = w.Org.County }));
        Assert.Equal([billing.Id], await Found(new ListLibraryCasesRequest { Category = Category.Business, UnitId = w.Org.County }));
        Assert.Equal([billing.Id], await Found(new ListLibraryCasesRequest { SubCategory = SubCategory.TariffBilling, UnitId = w.Org.County }));
        Assert.Equal([outage.Id], await Found(new ListLibraryCasesRequest { Category = Category.Outage, UnitId = w.Org.County }));
        Assert.Equal([billing.Id], await Found(new ListLibraryCasesRequest { PostId = w.Post }));
        Assert.Equal([elsewhere.Id], await Found(new ListLibraryCasesRequest { PostId = other.Post }));
        Assert.Equal([billing.Id], await Found(new ListLibraryCasesRequest { Text = "估抄", UnitId = w.Org.County }));
        // The text is matched literally: a % is no wildcard.
        Assert.Empty(await Found(new ListLibraryCasesRequest { Text = "%", UnitId = w.Org.County }));

        // Paged: one per page, newest first, every entry once.
        var first = await w.Supervisor.ListLibraryCasesAsync(new ListLibraryCasesRequest { UnitId = w.Org.County, PageSize = 1 });
        var second = await w.Supervisor.ListLibraryCasesAsync(new ListLibraryCasesRequest { UnitId = w.Org.County, PageSize = 1, PageToken = first.NextPageToken });
        Assert.Equal([outage.Id, billing.Id], first.Cases.Concat(second.Cases).Select(x => x.Id));
        Assert.Equal("", second.NextPageToken);
    }

    [Fact]
    public async Task Retiring_takes_the_current_etag_and_leaves_the_entry_readable_but_out_of_the_list()
    {
        var w = await WorldAsync();
        var entry = await w.Supervisor.PromoteCaseAsync(Promote(await ClosedAsync(w, w.Post, ["skills"])));

        var stale = await Assert.ThrowsAsync<RpcException>(() => w.Supervisor.RetireLibraryCaseAsync(
            new RetireLibraryCaseRequest { Id = entry.Id, Etag = "0", Reason = "案例已过时" }).ResponseAsync);
        Assert.Equal(StatusCode.Aborted, stale.StatusCode);
        Assert.Equal(entry, await w.Supervisor.GetLibraryCaseAsync(new GetLibraryCaseRequest { Id = entry.Id }));

        var retired = await w.Supervisor.RetireLibraryCaseAsync(new RetireLibraryCaseRequest { Id = entry.Id, Etag = entry.Etag, Reason = "案例已过时" });

        Assert.True(retired.Retired);
        Assert.Equal("案例已过时", retired.RetireReason);
        Assert.NotEqual(entry.Etag, retired.Etag);
        Assert.Equal(retired, await w.Supervisor.GetLibraryCaseAsync(new GetLibraryCaseRequest { Id = entry.Id }));
        Assert.Empty((await w.Supervisor.ListLibraryCasesAsync(new ListLibraryCasesRequest { UnitId = w.Org.County })).Cases);
        Assert.Equal([entry.Id], (await w.Supervisor.ListLibraryCasesAsync(new ListLibraryCasesRequest { UnitId = w.Org.County, IncludeRetired = true })).Cases.Select(x => x.Id));
        var again = await Assert.ThrowsAsync<RpcException>(() => w.Supervisor.RetireLibraryCaseAsync(
            new RetireLibraryCaseRequest { Id = entry.Id, Etag = retired.Etag, Reason = "再次" }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
    }

    [Fact]
    public async Task A_frequently_complained_post_carries_the_count_of_its_library_cases()
    {
        var w = await WorldAsync();
        var quality = new QualityService.QualityServiceClient(host.Channel);
        Complaint[] promoted = [await ClosedAsync(w, w.Post, ["skills"]), await ClosedAsync(w, w.Post, ["skills"])];
        await ClosedAsync(w, w.Post, ["skills"]);
        var entries = new List<LibraryCase>();
        foreach (var c in promoted)
            entries.Add(await w.Supervisor.PromoteCaseAsync(Promote(c)));
        await w.Supervisor.RetireLibraryCaseAsync(new RetireLibraryCaseRequest { Id = entries[1].Id, Etag = entries[1].Etag, Reason = "重复" });

        var listed = await quality.ListFrequentlyComplainedAsync(new ListFrequentlyComplainedRequest
        {
            RootUnitId = w.Org.City, Grain = AssessmentGrain.Post, MinSubstantiated = 1, PageSize = 200,
        });

        var post = Assert.Single(listed.Subjects, s => s.SubjectId == w.Post);
        Assert.Equal(3, post.Substantiated);
        Assert.Equal(1, post.LibraryCaseCount);
        Assert.Equal([entries[0].Id], (await w.Supervisor.ListLibraryCasesAsync(new ListLibraryCasesRequest { PostId = post.SubjectId })).Cases.Select(x => x.Id));
    }
}
