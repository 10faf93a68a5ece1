using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Evaluation;

/// <summary>Departments, posts and the root-cause list: created by administrators, listed in pages, refused with
/// details on bad or duplicate input.</summary>
public sealed class OrganizationDataTests(ServerHost host) : IClassFixture<ServerHost>
{
    [Fact]
    public async Task Departments_and_posts_are_created_and_listed_page_by_page()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var ids = Enumerable.Range(0, 3).Select(_ => Sample.Id("dep")).Order(StringComparer.Ordinal).ToList();
        foreach (var id in ids)
            await host.Organization.CreateDepartmentAsync(new CreateDepartmentRequest { Department = new Department { DepartmentId = id, UnitId = org.Station, Name = "营销班" } });
        await host.Organization.CreatePostAsync(new CreatePostRequest { Post = new Post { PostId = ids[0] + "-p", DepartmentId = ids[0], Name = "抄表员" } });

        var first = await host.Organization.ListDepartmentsAsync(new ListDepartmentsRequest { UnitId = org.Station, PageSize = 2 });
        var second = await host.Organization.ListDepartmentsAsync(new ListDepartmentsRequest { UnitId = org.Station, PageSize = 2, PageToken = first.NextPageToken });
        var posts = await host.Organization.ListPostsAsync(new ListPostsRequest { DepartmentId = ids[0] });

        Assert.Equal(ids, first.Departments.Concat(second.Departments).Select(d => d.DepartmentId));
        Assert.Equal("", second.NextPageToken);
        Assert.Equal([ids[0] + "-p"], posts.Posts.Select(p => p.PostId));
        var wrongFilter = await Assert.ThrowsAsync<RpcException>(() => host.Organization.ListDepartmentsAsync(
            new ListDepartmentsRequest { UnitId = org.County, PageSize = 2, PageToken = first.NextPageToken }).ResponseAsync);
        Assert.Equal(["page_token"], Sample.BadFields(wrongFilter));
    }

    [Fact]
    public async Task Duplicate_ids_unknown_parents_and_bad_fields_are_refused()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var id = Sample.Id("dep");
        await host.Organization.CreateDepartmentAsync(new CreateDepartmentRequest { Department = new Department { DepartmentId = id, UnitId = org.Station, Name = "营销班" } });

        var duplicate = await Assert.ThrowsAsync<RpcException>(() => host.Organization.CreateDepartmentAsync(
            new CreateDepartmentRequest { Department = new Department { DepartmentId = id, UnitId = org.Station, Name = "营销班" } }).ResponseAsync);
        var noUnit = await Assert.ThrowsAsync<RpcException>(() => host.Organization.CreateDepartmentAsync(
            new CreateDepartmentRequest { Department = new Department { DepartmentId = Sample.Id("dep"), UnitId = "no-such-unit", Name = "x" } }).ResponseAsync);
        var noDepartment = await Assert.ThrowsAsync<RpcException>(() => host.Organization.CreatePostAsync(
            new CreatePostRequest { Post = new Post { PostId = Sample.Id("post"), DepartmentId = "no-such-dep", Name = "x" } }).ResponseAsync);
        var bad = await Assert.ThrowsAsync<RpcException>(() => host.Organization.CreatePostAsync(
            new CreatePostRequest { Post = new Post { PostId = "Bad Id", DepartmentId = id, Name = "" } }).ResponseAsync);

        Assert.Equal((StatusCode.AlreadyExists, "DEPARTMENT_EXISTS"), (duplicate.StatusCode, Sample.ErrorInfo(duplicate).Reason));
        Assert.Equal((StatusCode.NotFound, "UNIT_NOT_FOUND"), (noUnit.StatusCode, Sample.ErrorInfo(noUnit).Reason));
        Assert.Equal((StatusCode.NotFound, "DEPARTMENT_NOT_FOUND"), (noDepartment.StatusCode, Sample.ErrorInfo(noDepartment).Reason));
        Assert.Equal(["post.name", "post.post_id"], Sample.BadFields(bad).Order());
    }

    [Fact]
    public async Task The_root_cause_list_is_seeded_and_a_retired_cause_cannot_be_chosen()
    {
        var quality = new QualityService.QualityServiceClient(host.Channel);
        var seeded = await quality.ListRootCausesAsync(new ListRootCausesRequest { IncludeInactive = true, PageSize = 200 });
        Assert.Superset(new HashSet<string> { "service_awareness", "skills", "process_regulation", "publicity_notice", "equipment_grid", "weather_external", "metering_billing", "customer_side" },
            seeded.RootCauses.Select(r => r.Code).ToHashSet());

        var code = $"test_{Guid.NewGuid():N}"[..20];
        await quality.DefineRootCauseAsync(new DefineRootCauseRequest { RootCause = new RootCause { Code = code, Name = "测试原因", Active = true } });
        Assert.Contains(code, (await quality.ListRootCausesAsync(new ListRootCausesRequest { PageSize = 200 })).RootCauses.Select(r => r.Code));
        await quality.DefineRootCauseAsync(new DefineRootCauseRequest { RootCause = new RootCause { Code = code, Name = "测试原因", Active = false } });
        Assert.DoesNotContain(code, (await quality.ListRootCausesAsync(new ListRootCausesRequest { PageSize = 200 })).RootCauses.Select(r => r.Code));

        var org = await Sample.OrganizationAsync(host.Organization);
        var c = await new CaseSteps(host.Complaints, org).CalledBackAsync();
        var finding = Findings.Substantiated(c);
        finding.RootCauses[0].CauseCode = code;
        var e = await Assert.ThrowsAsync<RpcException>(() => Findings.RecordAsync(host.Complaints, c, finding));
        Assert.Equal((StatusCode.NotFound, "ROOT_CAUSE_NOT_FOUND"), (e.StatusCode, Sample.ErrorInfo(e).Reason));
    }
}
