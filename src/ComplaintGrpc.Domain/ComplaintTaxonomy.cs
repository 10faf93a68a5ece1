using System.Text.Json;
using System.Text.RegularExpressions;
using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain;

/// <summary>A category of one taxonomy version; <paramref name="Shipped"/> is the contract's enum value, or
/// Unspecified for a category only loaded versions have.</summary>
public sealed record TaxonomyCategoryEntry(string Code, string Name, Category Shipped);

/// <summary>A sub-category of one taxonomy version, under the category <paramref name="CategoryCode"/>.</summary>
public sealed record TaxonomySubCategoryEntry(string Code, string Name, string CategoryCode, SubCategory Shipped);

/// <summary>How a submitted case is classified under one version: the codes it is filed under, the enum values
/// (Unspecified for loaded-only values) and the sub-category's Chinese name in that version.</summary>
public readonly record struct Classification(int Version, string CategoryCode, Category Category, string SubCategoryCode,
    SubCategory SubCategory, string SubCategoryName);

/// <summary>
/// One version of the complaint taxonomy (投诉分类): its categories and sub-categories by code, with Chinese names.
/// Version 1 is shipped (the contract's enums, <see cref="Taxonomy"/>); administrators load later versions. Every
/// version holds every enum value of the contract under the enum's name as its code, with the contract's parent
/// category: so a code means the same value in every version, and an enum a client sends is always valid.
/// A version never changes once stored.
/// </summary>
public sealed partial class ComplaintTaxonomy
{
    public const int ShippedVersion = 1;
    public const int MaxCategories = 100;
    public const int MaxSubCategories = 500;
    public const int MaxNameLength = 50;
    public const int MaxSourceLength = 200;

    private readonly Dictionary<string, TaxonomyCategoryEntry> _categories;
    private readonly Dictionary<string, TaxonomySubCategoryEntry> _subCategories;

    private ComplaintTaxonomy(int version, string source, IReadOnlyList<TaxonomyCategoryEntry> categories, IReadOnlyList<TaxonomySubCategoryEntry> subCategories)
    {
        Version = version;
        Source = source;
        Categories = categories;
        SubCategories = subCategories;
        _categories = categories.ToDictionary(c => c.Code, StringComparer.Ordinal);
        _subCategories = subCategories.ToDictionary(s => s.Code, StringComparer.Ordinal);
    }

    public int Version { get; }
    public string Source { get; }
    public IReadOnlyList<TaxonomyCategoryEntry> Categories { get; }
    public IReadOnlyList<TaxonomySubCategoryEntry> SubCategories { get; }

    /// <summary>Version 1: the contract's enums, their order and their Chinese names.</summary>
    public static ComplaintTaxonomy Shipped { get; } = new(ShippedVersion, "shipped with the release",
        [.. Taxonomy.ShippedCategories.OrderBy(c => c.Value).Select(c => new TaxonomyCategoryEntry(c.Value.ToString(), c.Name, c.Value))],
        [.. Taxonomy.ShippedSubCategories.OrderBy(s => s.Value).Select(s => new TaxonomySubCategoryEntry(s.Value.ToString(), s.Name, s.Category.ToString(), s.Value))]);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
    public static partial Regex CodePattern();

    public const string CodeRule = "1-64 of A-Z a-z 0-9 _ - (starting with a letter or digit)";

    public TaxonomyCategoryEntry? Category(string code) => _categories.GetValueOrDefault(code);

    public TaxonomySubCategoryEntry? SubCategory(string code) => _subCategories.GetValueOrDefault(code);

    /// <summary>Validates a version document and numbers it <paramref name="version"/>. Throws
    /// <see cref="DomainException"/> naming every bad field (e.g. <c>sub_categories[2].category_code</c>).</summary>
    public static ComplaintTaxonomy Parse(LoadTaxonomyRequest request, int version)
    {
        var v = new RequestValidator().Text("source", request.Source, MaxSourceLength);
        if (request.Categories.Count == 0)
            v.Add("categories", "is required");
        else if (request.Categories.Count > MaxCategories)
            v.Add("categories", $"has {request.Categories.Count} entries; at most {MaxCategories} are allowed");
        if (request.SubCategories.Count == 0)
            v.Add("sub_categories", "is required");
        else if (request.SubCategories.Count > MaxSubCategories)
            v.Add("sub_categories", $"has {request.SubCategories.Count} entries; at most {MaxSubCategories} are allowed");

        var categories = new Dictionary<string, TaxonomyCategoryEntry>(StringComparer.Ordinal);
        var shippedCategories = new HashSet<Category>();
        for (var i = 0; i < request.Categories.Count; i++)
        {
            var c = request.Categories[i];
            var field = $"categories[{i}]";
            v.Identifier($"{field}.code", c.Code, CodePattern(), CodeRule)
                .Text($"{field}.name", c.Name, MaxNameLength, required: true)
                .Enum($"{field}.shipped_category", c.ShippedCategory, required: false);
            if (c.Code.Length > 0 && !categories.TryAdd(c.Code, new TaxonomyCategoryEntry(c.Code, c.Name, c.ShippedCategory)))
                v.Add($"{field}.code", $"repeats the code {c.Code}");
            if (c.ShippedCategory == Contracts.V1.Category.Unspecified || !System.Enum.IsDefined(c.ShippedCategory))
                continue;
            if (!shippedCategories.Add(c.ShippedCategory))
                v.Add($"{field}.shipped_category", $"repeats {c.ShippedCategory}");
            if (c.Code != c.ShippedCategory.ToString())
                v.Add($"{field}.code", $"must be {c.ShippedCategory}, the code of the shipped value {c.ShippedCategory} in every version");
        }

        var subCategories = new Dictionary<string, TaxonomySubCategoryEntry>(StringComparer.Ordinal);
        var shippedSubCategories = new HashSet<SubCategory>();
        for (var i = 0; i < request.SubCategories.Count; i++)
        {
            var s = request.SubCategories[i];
            var field = $"sub_categories[{i}]";
            v.Identifier($"{field}.code", s.Code, CodePattern(), CodeRule)
                .Text($"{field}.name", s.Name, MaxNameLength, required: true)
                .Enum($"{field}.shipped_sub_category", s.ShippedSubCategory, required: false);
            if (s.Code.Length > 0 && !subCategories.TryAdd(s.Code, new TaxonomySubCategoryEntry(s.Code, s.Name, s.CategoryCode, s.ShippedSubCategory)))
                v.Add($"{field}.code", $"repeats the code {s.Code}");
            if (s.CategoryCode.Length == 0)
                v.Add($"{field}.category_code", "is required");
            else if (!categories.TryGetValue(s.CategoryCode, out var parent))
                v.Add($"{field}.category_code", $"is {s.CategoryCode}, which is not a category of this version");
            else if (s.ShippedSubCategory != Contracts.V1.SubCategory.Unspecified && Taxonomy.CategoryOf(s.ShippedSubCategory) is { } owner && parent.Shipped != owner)
                v.Add($"{field}.category_code", $"must be {owner}: the shipped value {s.ShippedSubCategory} belongs to category {owner}");
            if (s.ShippedSubCategory == Contracts.V1.SubCategory.Unspecified || !System.Enum.IsDefined(s.ShippedSubCategory))
                continue;
            if (!shippedSubCategories.Add(s.ShippedSubCategory))
                v.Add($"{field}.shipped_sub_category", $"repeats {s.ShippedSubCategory}");
            if (s.Code != s.ShippedSubCategory.ToString())
                v.Add($"{field}.code", $"must be {s.ShippedSubCategory}, the code of the shipped value {s.ShippedSubCategory} in every version");
        }

        var missingCategories = Shipped.Categories.Where(c => !shippedCategories.Contains(c.Shipped)).Select(c => c.Code).ToList();
        if (request.Categories.Count > 0 && missingCategories.Count > 0)
            v.Add("categories", $"lacks the shipped values {string.Join(", ", missingCategories)}; a version cannot drop a value the contract has");
        var missingSubCategories = Shipped.SubCategories.Where(s => !shippedSubCategories.Contains(s.Shipped)).Select(s => s.Code).ToList();
        if (request.SubCategories.Count > 0 && missingSubCategories.Count > 0)
            v.Add("sub_categories", $"lacks the shipped values {string.Join(", ", missingSubCategories)}; a version cannot drop a value the contract has");
        v.ThrowIfInvalid();

        return new ComplaintTaxonomy(version, request.Source, [.. categories.Values], [.. subCategories.Values]);
    }

    /// <summary>
    /// Classifies a submitted case under this version: each of category and sub-category by its enum, or by its code
    /// when the enum is Unspecified; both given must name the same value, and the sub-category must belong to the
    /// category. Adds a violation naming the field for each problem and returns null then.
    /// </summary>
    public Classification? Classify(Category category, string categoryCode, SubCategory subCategory, string subCategoryCode, RequestValidator v)
    {
        var parent = Resolve("category", category, "category_code", categoryCode, v,
            e => e.ToString(), c => Category(c) ?? ShippedCategory(c), e => e.Code);
        var child = Resolve("sub_category", subCategory, "sub_category_code", subCategoryCode, v,
            e => e.ToString(), c => SubCategory(c) ?? ShippedSubCategory(c), e => e.Code);
        if (parent is null || child is null)
            return null;
        if (child.CategoryCode != parent.Code)
        {
            var field = subCategory != Contracts.V1.SubCategory.Unspecified ? "sub_category" : "sub_category_code";
            v.Add(field, $"{child.Code} belongs to category {child.CategoryCode}, not {parent.Code}");
            return null;
        }
        return new Classification(Version, parent.Code, parent.Shipped, child.Code, child.Shipped, child.Name);
    }

    private TEntry? Resolve<TEnum, TEntry>(string enumField, TEnum value, string codeField, string code, RequestValidator v,
        Func<TEnum, string> name, Func<string, TEntry?> find, Func<TEntry, string> codeOf)
        where TEnum : struct, Enum where TEntry : class
    {
        if (Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) != 0)
        {
            if (!System.Enum.IsDefined(value))
                return null; // RequestValidator.Enum reported it
            var entry = find(name(value));
            if (entry is null)
            {
                v.Add(enumField, $"is {name(value)}, which is not in taxonomy version {Version}");
                return null;
            }
            if (code.Length > 0 && code != codeOf(entry))
            {
                v.Add(codeField, $"is {code}, but {enumField} is {name(value)}; send one, or both naming the same value");
                return null;
            }
            return entry;
        }
        if (code.Length == 0)
        {
            v.Add(enumField, $"is required (or {codeField})");
            return null;
        }
        if (find(code) is { } found)
            return found;
        v.Add(codeField, $"is {code}, which is not in taxonomy version {Version}");
        return null;
    }

    // Only a release that adds an enum value after a version was loaded can leave a version without it: the contract
    // still has the value, so it keeps its shipped meaning and name.
    private TaxonomyCategoryEntry? ShippedCategory(string code) => this == Shipped ? null : Shipped.Category(code);

    private TaxonomySubCategoryEntry? ShippedSubCategory(string code) => this == Shipped ? null : Shipped.SubCategory(code) is { } s && Category(s.CategoryCode) is not null ? s : null;

    // The stored form of a loaded version (taxonomy_versions.document).
    private sealed record Document(string Source, List<TaxonomyCategoryEntry> Categories, List<TaxonomySubCategoryEntry> SubCategories);

    public string ToJson() => JsonSerializer.Serialize(new Document(Source, [.. Categories], [.. SubCategories]));

    public static ComplaintTaxonomy FromJson(int version, string json)
    {
        var d = JsonSerializer.Deserialize<Document>(json) ?? throw new FormatException($"taxonomy version {version}: empty document");
        return new ComplaintTaxonomy(version, d.Source, d.Categories, d.SubCategories);
    }
}
