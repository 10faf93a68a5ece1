using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Complaints;

/// <summary>
/// 投诉分类 as data: the shipped version 1, versions an administrator loads, and the version each case is filed under.
/// The class has its own database; its tests run one after another, so each reads the current version itself rather
/// than assuming which versions another test loaded.
/// </summary>
public sealed class TaxonomyVersionTests(ServerHost host) : IClassFixture<ServerHost>
{
    private TaxonomyService.TaxonomyServiceClient Admin => new(host.Channel);

    /// <summary>The shipped version as a load document: every shipped value, its code and name, plus <paramref name="extra"/>.</summary>
    private async Task<LoadTaxonomyRequest> ShippedWithAsync(params TaxonomySubCategory[] extra)
    {
        var shipped = await Admin.GetTaxonomyAsync(new GetTaxonomyRequest { Version = 1 });
        var r = new LoadTaxonomyRequest { Source = "国网营销部 2027 年投诉分类调整通知", Categories = { shipped.Categories }, SubCategories = { shipped.SubCategories } };
        r.SubCategories.Add(extra);
        return r;
    }

    private static SubmitComplaintRequest Case(string account)
    {
        var r = Sample.Complaint();
        r.Customer.AccountNumber = account;
        return r;
    }

    private static string Account() => "T" + Random.Shared.NextInt64(1_000_000_000, 9_999_999_999);

    [Fact]
    public async Task The_shipped_version_lists_meter_installation_and_usage_inspection_and_cases_with_the_new_values_and_channels_are_filed()
    {
        var shipped = await Admin.GetTaxonomyAsync(new GetTaxonomyRequest { Version = 1 });
        var current = await Admin.GetTaxonomyAsync(new GetTaxonomyRequest());

        Assert.Equal(("shipped", 1), (shipped.Origin, shipped.Version));
        Assert.Contains(new TaxonomySubCategory { Code = "MeterInstallation", Name = "装表接电", CategoryCode = "Business", ShippedSubCategory = SubCategory.MeterInstallation }, shipped.SubCategories);
        Assert.Contains(new TaxonomySubCategory { Code = "UsageInspection", Name = "用电检查", CategoryCode = "Business", ShippedSubCategory = SubCategory.UsageInspection }, shipped.SubCategories);

        var account = Account();
        var media = Case(account);
        (media.Channel, media.Category, media.SubCategory) = (Channel.MediaExposure, Category.Business, SubCategory.MeterInstallation);
        // By code only: a shipped value sent as its code is filed with its enum filled.
        var hotline = Case(account);
        (hotline.Channel, hotline.Category, hotline.SubCategory, hotline.CategoryCode, hotline.SubCategoryCode) =
            (Channel.IntegrityHotline, Category.Unspecified, SubCategory.Unspecified, "Business", "UsageInspection");
        var a = await host.Complaints.SubmitComplaintAsync(media);
        var b = await host.Complaints.SubmitComplaintAsync(hotline);

        Assert.Equal((Channel.MediaExposure, Category.Business, SubCategory.MeterInstallation, "Business", "MeterInstallation", "装表接电", current.Version),
            (a.Channel, a.Category, a.SubCategory, a.CategoryCode, a.SubCategoryCode, a.SubCategoryName, a.TaxonomyVersion));
        Assert.Equal((Channel.IntegrityHotline, Category.Business, SubCategory.UsageInspection, "Business", "UsageInspection", "用电检查", current.Version),
            (b.Channel, b.Category, b.SubCategory, b.CategoryCode, b.SubCategoryCode, b.SubCategoryName, b.TaxonomyVersion));
        Assert.Equal(Sample.Stored(b), Sample.Stored(await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = b.Id })));

        // The default reply limit (10 calendar days) covers both new channels.
        var sla = new SlaService.SlaServiceClient(host.Channel);
        foreach (var channel in new[] { Channel.MediaExposure, Channel.IntegrityHotline })
        {
            var preview = await sla.PreviewDeadlinesAsync(new PreviewDeadlinesRequest
            {
                Channel = channel, RequestKind = RequestKind.Complaint, Level = Level.Normal, CustomerClass = CustomerClass.Residential,
                ReceivedTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            });
            Assert.Equal("10 calendar days", preview.Deadlines.Single(d => d.Clock == ClockKind.Reply).Limit);
        }
    }

    [Fact]
    public async Task A_loaded_version_is_used_by_new_cases_while_a_case_filed_before_keeps_its_version_and_names()
    {
        var account = Account();
        var before = Case(account);
        (before.Category, before.SubCategory) = (Category.Business, SubCategory.MeterInstallation);
        var old = await host.Complaints.SubmitComplaintAsync(before);
        var oldName = old.SubCategoryName;

        var document = await ShippedWithAsync(new TaxonomySubCategory { Code = "SmartPayment", Name = "智能缴费", CategoryCode = "Business" });
        var renamed = document.SubCategories.Single(s => s.Code == "MeterInstallation");
        renamed.Name = "装表接电(含智能表)";
        var loaded = await Admin.LoadTaxonomyAsync(document);

        Assert.True(loaded.Version > old.TaxonomyVersion);
        Assert.Equal(("loaded", true), (loaded.Origin, loaded.Current));
        Assert.Equal(loaded, await Admin.GetTaxonomyAsync(new GetTaxonomyRequest()));

        var newCode = Case(account);
        (newCode.Category, newCode.SubCategory, newCode.SubCategoryCode) = (Category.Business, SubCategory.Unspecified, "SmartPayment");
        var after = await host.Complaints.SubmitComplaintAsync(newCode);
        var shippedAfter = Case(account);
        (shippedAfter.Category, shippedAfter.SubCategory) = (Category.Business, SubCategory.MeterInstallation);
        var renamedCase = await host.Complaints.SubmitComplaintAsync(shippedAfter);

        Assert.Equal((loaded.Version, Category.Business, SubCategory.Unspecified, "Business", "SmartPayment", "智能缴费"),
            (after.TaxonomyVersion, after.Category, after.SubCategory, after.CategoryCode, after.SubCategoryCode, after.SubCategoryName));
        Assert.Equal((loaded.Version, SubCategory.MeterInstallation, "装表接电(含智能表)"), (renamedCase.TaxonomyVersion, renamedCase.SubCategory, renamedCase.SubCategoryName));
        var oldNow = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = old.Id });
        Assert.Equal((old.TaxonomyVersion, SubCategory.MeterInstallation, "MeterInstallation", oldName), (oldNow.TaxonomyVersion, oldNow.SubCategory, oldNow.SubCategoryCode, oldNow.SubCategoryName));
        Assert.Equal(Sample.Stored(after), Sample.Stored(await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = after.Id })));

        var bySmartPayment = await host.Complaints.ListComplaintsAsync(new ListComplaintsRequest { CustomerAccountNumber = account, SubCategoryCodes = { "SmartPayment" } });
        var byMeterInstallation = await host.Complaints.ListComplaintsAsync(new ListComplaintsRequest { CustomerAccountNumber = account, SubCategoryCodes = { "MeterInstallation" } });
        Assert.Equal([after.Id], bySmartPayment.Complaints.Select(c => c.Id));
        Assert.Equal([renamedCase.Id, old.Id], byMeterInstallation.Complaints.Select(c => c.Id));
    }

    [Fact]
    public async Task A_code_unknown_to_the_current_version_or_disagreeing_with_its_enum_is_rejected_and_nothing_is_stored()
    {
        var unknown = Case(Account());
        (unknown.SubCategory, unknown.SubCategoryCode) = (SubCategory.Unspecified, "NoSuchSubCategory");
        var disagree = Case(Account());
        (disagree.Category, disagree.SubCategory, disagree.SubCategoryCode) = (Category.Business, SubCategory.Metering, "MeterInstallation");

        var e1 = await Assert.ThrowsAsync<RpcException>(() => host.Complaints.SubmitComplaintAsync(unknown).ResponseAsync);
        var e2 = await Assert.ThrowsAsync<RpcException>(() => host.Complaints.SubmitComplaintAsync(disagree).ResponseAsync);

        Assert.Equal((StatusCode.InvalidArgument, StatusCode.InvalidArgument), (e1.StatusCode, e2.StatusCode));
        Assert.Equal(["sub_category_code"], Sample.BadFields(e1));
        Assert.Equal(["sub_category_code"], Sample.BadFields(e2));
        await using var c = await host.Database.OpenConnectionAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<int>("SELECT count(*) FROM complaints WHERE request_id = ANY(@ids)",
            new { ids = new[] { unknown.RequestId, disagree.RequestId } }));
    }

    [Fact]
    public async Task A_bad_version_is_rejected_naming_the_fields_and_a_non_administrator_may_not_load_one()
    {
        await using var c = await host.Database.OpenConnectionAsync();
        var count = await c.ExecuteScalarAsync<int>("SELECT count(*) FROM taxonomy_versions");
        var bad = await ShippedWithAsync(new TaxonomySubCategory { Code = "Orphan", Name = "无主", CategoryCode = "Finance" });
        bad.SubCategories.Remove(bad.SubCategories.Single(s => s.Code == "UsageInspection"));
        var supervisor = new TaxonomyService.TaxonomyServiceClient(host.ChannelFor(host.Token(Sample.Id("sv"), [Roles.Supervisor, Roles.Intake])));

        var invalid = await Assert.ThrowsAsync<RpcException>(() => Admin.LoadTaxonomyAsync(bad).ResponseAsync);
        var denied = await Assert.ThrowsAsync<RpcException>(async () => await supervisor.LoadTaxonomyAsync(await ShippedWithAsync()));

        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Equal([$"sub_categories[{bad.SubCategories.Count - 1}].category_code", "sub_categories"], Sample.BadFields(invalid));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal(count, await c.ExecuteScalarAsync<int>("SELECT count(*) FROM taxonomy_versions"));
        var missing = await Assert.ThrowsAsync<RpcException>(() => Admin.GetTaxonomyAsync(new GetTaxonomyRequest { Version = 9999 }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Versions_are_listed_newest_first_in_pages_and_only_the_newest_in_effect_is_current()
    {
        await Admin.LoadTaxonomyAsync(await ShippedWithAsync());
        // Effective in a week: stored, listed, but not yet current.
        var later = await ShippedWithAsync();
        later.EffectiveTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(7));
        var future = await Admin.LoadTaxonomyAsync(later);
        var current = await Admin.GetTaxonomyAsync(new GetTaxonomyRequest());

        var pages = new List<ListTaxonomyVersionsResponse>();
        var request = new ListTaxonomyVersionsRequest { PageSize = 2 };
        do
        {
            pages.Add(await Admin.ListTaxonomyVersionsAsync(request));
            request.PageToken = pages[^1].NextPageToken;
        }
        while (request.PageToken.Length > 0);

        var all = pages.SelectMany(p => p.Versions).ToList();
        Assert.False(future.Current);
        Assert.Equal(future.Version - 1, current.Version);
        Assert.Equal(Enumerable.Range(1, future.Version).Reverse(), all.Select(v => v.Version));
        Assert.Equal((future.Version + 1) / 2, pages.Count);
        Assert.All(pages.SkipLast(1), p => Assert.Equal(2, p.Versions.Count));
        Assert.Equal([current.Version], all.Where(v => v.Current).Select(v => v.Version));
        Assert.Equal(("shipped", 1), (all[^1].Origin, all[^1].Version));
    }
}
