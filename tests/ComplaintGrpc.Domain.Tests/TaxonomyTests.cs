using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.Tests;

public class TaxonomyTests
{
    // Typed from the annotations in types.proto and the 95598 taxonomy in the domain reference.
    public static TheoryData<SubCategory, Category, string> KnownSubCategories() => new()
    {
        { SubCategory.StaffConduct, Category.Service, "服务行为" },
        { SubCategory.Integrity, Category.Service, "行风问题" },
        { SubCategory.NewConnection, Category.Business, "业扩报装" },
        { SubCategory.TariffBilling, Category.Business, "电费电价" },
        { SubCategory.Metering, Category.Business, "电能计量" },
        { SubCategory.Outage, Category.Outage, "停电问题" },
        { SubCategory.Reconnection, Category.Outage, "复电" },
        { SubCategory.FrequentOutage, Category.SupplyQuality, "频繁停电" },
        { SubCategory.Voltage, Category.SupplyQuality, "电压" },
        { SubCategory.WorksConduct, Category.GridConstruction, "施工行为" },
        { SubCategory.RuralGridUpgrade, Category.GridConstruction, "农网改造" },
    };

    [Theory]
    [MemberData(nameof(KnownSubCategories))]
    public void A_known_sub_category_belongs_to_its_category_under_its_Chinese_name(SubCategory sub, Category category, string name)
    {
        Assert.Equal(category, Taxonomy.CategoryOf(sub));
        Assert.Equal(name, Taxonomy.ChineseName(sub));
    }

    public static TheoryData<SubCategory> DefinedSubCategories() =>
        [.. Enum.GetValues<SubCategory>().Where(s => s != SubCategory.Unspecified)];

    [Theory]
    [MemberData(nameof(DefinedSubCategories))]
    public void Every_sub_category_has_a_defined_category_and_a_Chinese_name(SubCategory sub)
    {
        var category = Taxonomy.CategoryOf(sub);

        Assert.NotNull(category);
        Assert.NotEqual(Category.Unspecified, category);
        Assert.True(Enum.IsDefined(category.Value));
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", Taxonomy.ChineseName(sub));
    }

    [Fact]
    public void Sub_categories_are_numbered_in_blocks_of_ten_by_category()
    {
        // The proto numbers each category's sub-categories from 10 * (category - 1), with Service at 1-9.
        foreach (var sub in Enum.GetValues<SubCategory>().Where(s => s != SubCategory.Unspecified))
        {
            Assert.Equal((Category)((int)sub / 10 + 1), Taxonomy.CategoryOf(sub));
        }
    }

    [Fact]
    public void Every_category_has_at_least_one_sub_category()
    {
        var used = Enum.GetValues<SubCategory>().Select(Taxonomy.CategoryOf).OfType<Category>().ToHashSet();

        Assert.Equal(Enum.GetValues<Category>().Where(c => c != Category.Unspecified).ToHashSet(), used);
    }

    [Fact]
    public void Unspecified_and_unknown_sub_categories_have_no_category()
    {
        Assert.Null(Taxonomy.CategoryOf(SubCategory.Unspecified));
        Assert.Null(Taxonomy.CategoryOf((SubCategory)99));
        Assert.Equal("99", Taxonomy.ChineseName((SubCategory)99));
    }

    [Theory]
    [InlineData(Category.Service, "服务投诉")]
    [InlineData(Category.Business, "营业投诉")]
    [InlineData(Category.Outage, "停送电投诉")]
    [InlineData(Category.SupplyQuality, "供电质量投诉")]
    [InlineData(Category.GridConstruction, "电网建设投诉")]
    public void A_category_has_the_name_of_the_95598_rules(Category category, string name)
    {
        Assert.Equal(name, Taxonomy.ChineseName(category));
    }

    public static TheoryData<Category> DefinedCategories() => [.. Enum.GetValues<Category>().Where(c => c != Category.Unspecified)];

    [Theory]
    [MemberData(nameof(DefinedCategories))]
    public void Every_category_has_a_Chinese_name(Category category)
    {
        Assert.Matches(@"^\p{IsCJKUnifiedIdeographs}+投诉$", Taxonomy.ChineseName(category));
    }

    public static TheoryData<CaseStatus> DefinedStatuses() => [.. Enum.GetValues<CaseStatus>().Where(s => s != CaseStatus.Unspecified)];

    [Theory]
    [MemberData(nameof(DefinedStatuses))]
    public void Every_case_status_has_a_Chinese_name(CaseStatus status)
    {
        Assert.Matches(@"^\p{IsCJKUnifiedIdeographs}+$", Taxonomy.ChineseName(status));
    }

    [Fact]
    public void Status_names_are_distinct()
    {
        var names = Enum.GetValues<CaseStatus>().Where(s => s != CaseStatus.Unspecified).Select(Taxonomy.ChineseName).ToList();

        Assert.Equal(names.Count, names.Distinct().Count());
    }
}
