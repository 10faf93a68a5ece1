using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Intake;
using static ComplaintGrpc.Domain.Tests.Intake.SubmitComplaintRequests;

namespace ComplaintGrpc.Domain.Tests;

public class ComplaintTaxonomyTests
{
    /// <summary>The shipped version as a load document, plus one loaded-only sub-category under 营业投诉.</summary>
    private static LoadTaxonomyRequest ShippedPlusOne()
    {
        var r = new LoadTaxonomyRequest { Source = "国网营销部 2027 分类调整" };
        r.Categories.AddRange(ComplaintTaxonomy.Shipped.Categories.Select(c => new TaxonomyCategory { Code = c.Code, Name = c.Name, ShippedCategory = c.Shipped }));
        r.SubCategories.AddRange(ComplaintTaxonomy.Shipped.SubCategories.Select(s =>
            new TaxonomySubCategory { Code = s.Code, Name = s.Name, CategoryCode = s.CategoryCode, ShippedSubCategory = s.Shipped }));
        r.SubCategories.Add(new TaxonomySubCategory { Code = "SmartPayment", Name = "智能缴费", CategoryCode = "Business" });
        return r;
    }

    private static string[] Fields(Action action) =>
        [.. Assert.Throws<DomainException>(action).Violations.Select(v => v.Field)];

    [Fact]
    public void The_shipped_version_has_every_contract_value_under_its_enum_name_including_meter_installation_and_usage_inspection()
    {
        var shipped = ComplaintTaxonomy.Shipped;

        Assert.Equal(1, shipped.Version);
        Assert.Equal(Enum.GetValues<SubCategory>().Length - 1, shipped.SubCategories.Count);
        Assert.Equal(new TaxonomySubCategoryEntry("MeterInstallation", "装表接电", "Business", SubCategory.MeterInstallation), shipped.SubCategory("MeterInstallation"));
        Assert.Equal(new TaxonomySubCategoryEntry("UsageInspection", "用电检查", "Business", SubCategory.UsageInspection), shipped.SubCategory("UsageInspection"));
        Assert.Equal(new TaxonomyCategoryEntry("Business", "营业投诉", Category.Business), shipped.Category("Business"));
    }

    [Fact]
    public void A_valid_document_becomes_a_version_with_its_number_and_survives_its_stored_form()
    {
        var loaded = ComplaintTaxonomy.Parse(ShippedPlusOne(), 2);
        var read = ComplaintTaxonomy.FromJson(2, loaded.ToJson());

        Assert.Equal(2, read.Version);
        Assert.Equal("国网营销部 2027 分类调整", read.Source);
        Assert.Equal(loaded.Categories, read.Categories);
        Assert.Equal(loaded.SubCategories, read.SubCategories);
        Assert.Equal(new TaxonomySubCategoryEntry("SmartPayment", "智能缴费", "Business", SubCategory.Unspecified), read.SubCategory("SmartPayment"));
    }

    /// <summary>Each row spoils the valid document one way and names the fields reported: no more, no fewer.</summary>
    private static readonly Dictionary<string, (Action<LoadTaxonomyRequest> Spoil, string[] Fields)> BadDocuments = new()
    {
        ["no categories"] = (r => r.Categories.Clear(), ["categories", "sub_categories[0].category_code", "sub_categories[1].category_code",
            "sub_categories[2].category_code", "sub_categories[3].category_code", "sub_categories[4].category_code", "sub_categories[5].category_code",
            "sub_categories[6].category_code", "sub_categories[7].category_code", "sub_categories[8].category_code", "sub_categories[9].category_code",
            "sub_categories[10].category_code", "sub_categories[11].category_code", "sub_categories[12].category_code", "sub_categories[13].category_code",
            "sub_categories[14].category_code", "sub_categories[15].category_code", "sub_categories[16].category_code", "sub_categories[17].category_code",
            "sub_categories[18].category_code", "sub_categories[19].category_code", "sub_categories[20].category_code"]),
        ["no sub-categories"] = (r => r.SubCategories.Clear(), ["sub_categories"]),
        ["a repeated sub-category code"] = (r => r.SubCategories[^1].Code = "Metering", ["sub_categories[20].code"]),
        ["a repeated category code"] = (r => r.Categories.Add(new TaxonomyCategory { Code = "Service", Name = "服务" }), ["categories[5].code"]),
        ["a sub-category under no category of the version"] = (r => r.SubCategories[^1].CategoryCode = "Finance", ["sub_categories[20].category_code"]),
        ["a sub-category without a category"] = (r => r.SubCategories[^1].CategoryCode = "", ["sub_categories[20].category_code"]),
        ["a shipped sub-category dropped"] = (r => r.SubCategories.RemoveAt(0), ["sub_categories"]),
        ["a shipped category dropped"] = (r => r.Categories.RemoveAt(4), ["sub_categories[17].category_code", "sub_categories[18].category_code",
            "sub_categories[19].category_code", "categories"]),
        ["a shipped value under another code"] = (r => r.SubCategories[0].Code = "Conduct", ["sub_categories[0].code"]),
        ["a shipped sub-category moved to another category"] = (r => r.SubCategories[0].CategoryCode = "Business", ["sub_categories[0].category_code"]),
        ["a shipped value twice"] = (r => { r.SubCategories[^1].ShippedSubCategory = SubCategory.Metering; }, ["sub_categories[20].shipped_sub_category", "sub_categories[20].code"]),
        ["an unknown enum number"] = (r => r.SubCategories[^1].ShippedSubCategory = (SubCategory)99, ["sub_categories[20].shipped_sub_category"]),
        ["a code with a space"] = (r => r.SubCategories[^1].Code = "Smart payment", ["sub_categories[20].code"]),
        ["a blank name"] = (r => r.SubCategories[^1].Name = " ", ["sub_categories[20].name"]),
        ["a name of 51 characters"] = (r => r.Categories[0].Name = new string('服', 51), ["categories[0].name"]),
        ["a source of 201 characters"] = (r => r.Source = new string('a', 201), ["source"]),
    };

    public static TheoryData<string> BadDocumentNames() => [.. BadDocuments.Keys];

    [Theory]
    [MemberData(nameof(BadDocumentNames))]
    public void A_bad_document_is_rejected_naming_each_bad_field(string name)
    {
        var (spoil, fields) = BadDocuments[name];
        var request = ShippedPlusOne();
        spoil(request);

        Assert.Equal(fields, Fields(() => ComplaintTaxonomy.Parse(request, 2)));
    }

    [Fact]
    public void A_case_is_classified_by_enum_or_by_code_and_a_loaded_only_value_has_no_enum()
    {
        var loaded = ComplaintTaxonomy.Parse(ShippedPlusOne(), 2);
        var byEnum = Valid();
        (byEnum.Category, byEnum.SubCategory) = (Category.Business, SubCategory.UsageInspection);
        var byCode = Valid();
        (byCode.Category, byCode.SubCategory, byCode.CategoryCode, byCode.SubCategoryCode) = (Category.Unspecified, SubCategory.Unspecified, "Business", "UsageInspection");
        var loadedOnly = Valid();
        (loadedOnly.Category, loadedOnly.SubCategory, loadedOnly.SubCategoryCode) = (Category.Business, SubCategory.Unspecified, "SmartPayment");

        var expected = new Classification(2, "Business", Category.Business, "UsageInspection", SubCategory.UsageInspection, "用电检查");
        Assert.Equal(expected, ComplaintIntake.Validate(byEnum, Now, loaded).Classification);
        Assert.Equal(expected, ComplaintIntake.Validate(byCode, Now, loaded).Classification);
        Assert.Equal(new Classification(2, "Business", Category.Business, "SmartPayment", SubCategory.Unspecified, "智能缴费"),
            ComplaintIntake.Validate(loadedOnly, Now, loaded).Classification);
    }

    private static readonly Dictionary<string, (Action<SubmitComplaintRequest> Spoil, string[] Fields)> BadClassifications = new()
    {
        ["a code the version lacks"] = (r => (r.SubCategory, r.SubCategoryCode) = (SubCategory.Unspecified, "SmartPayment"), ["sub_category_code"]),
        ["enum and code disagree"] = (r => (r.SubCategory, r.SubCategoryCode) = (SubCategory.Metering, "MeterInstallation"), ["sub_category_code"]),
        ["category enum and code disagree"] = (r => r.CategoryCode = "Service", ["category_code"]),
        ["neither enum nor code"] = (r => r.Category = Category.Unspecified, ["category"]),
        ["a malformed code"] = (r => (r.SubCategory, r.SubCategoryCode) = (SubCategory.Unspecified, "装表接电"), ["sub_category_code"]),
        ["a sub-category code of another category"] = (r => (r.SubCategory, r.SubCategoryCode) = (SubCategory.Unspecified, "Voltage"), ["sub_category_code"]),
    };

    public static TheoryData<string> BadClassificationNames() => [.. BadClassifications.Keys];

    [Theory]
    [MemberData(nameof(BadClassificationNames))]
    public void A_submit_with_a_bad_classification_is_rejected_naming_the_field(string name)
    {
        var (spoil, fields) = BadClassifications[name];
        var request = Valid();
        (request.Category, request.SubCategory) = (Category.Business, SubCategory.MeterInstallation);
        spoil(request);

        Assert.Equal(fields, Fields(() => ComplaintIntake.Validate(request, Now, ComplaintTaxonomy.Shipped)));
    }
}
