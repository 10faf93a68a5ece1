using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain;

/// <summary>The complaint taxonomy of the 95598 rules: which sub-category belongs to which category, and the Chinese
/// names people read in reports (the contract itself stays in English enums).</summary>
public static class Taxonomy
{
    private static readonly Dictionary<SubCategory, (Category Category, string Name)> SubCategories = new()
    {
        [SubCategory.StaffConduct] = (Category.Service, "服务行为"),
        [SubCategory.ServiceChannel] = (Category.Service, "服务渠道"),
        [SubCategory.Integrity] = (Category.Service, "行风问题"),
        [SubCategory.NewConnection] = (Category.Business, "业扩报装"),
        [SubCategory.UsageChange] = (Category.Business, "用电变更"),
        [SubCategory.MeterReading] = (Category.Business, "抄表催费"),
        [SubCategory.TariffBilling] = (Category.Business, "电费电价"),
        [SubCategory.Metering] = (Category.Business, "电能计量"),
        [SubCategory.BusinessFees] = (Category.Business, "业务收费"),
        [SubCategory.MeterInstallation] = (Category.Business, "装表接电"),
        [SubCategory.UsageInspection] = (Category.Business, "用电检查"),
        [SubCategory.Outage] = (Category.Outage, "停电问题"),
        [SubCategory.RepairQuality] = (Category.Outage, "抢修质量"),
        [SubCategory.Reconnection] = (Category.Outage, "复电"),
        [SubCategory.Voltage] = (Category.SupplyQuality, "电压"),
        [SubCategory.FrequentOutage] = (Category.SupplyQuality, "频繁停电"),
        [SubCategory.ApplianceDamage] = (Category.SupplyQuality, "电器损坏"),
        [SubCategory.WorksConduct] = (Category.GridConstruction, "施工行为"),
        [SubCategory.LineEquipment] = (Category.GridConstruction, "线路/设备"),
        [SubCategory.RuralGridUpgrade] = (Category.GridConstruction, "农网改造"),
    };

    private static readonly Dictionary<Category, string> CategoryNames = new()
    {
        [Category.Service] = "服务投诉",
        [Category.Business] = "营业投诉",
        [Category.Outage] = "停送电投诉",
        [Category.SupplyQuality] = "供电质量投诉",
        [Category.GridConstruction] = "电网建设投诉",
    };

    private static readonly Dictionary<CaseStatus, string> StatusNames = new()
    {
        [CaseStatus.Received] = "已受理",
        [CaseStatus.Dispatched] = "已派单",
        [CaseStatus.Assigned] = "待签收",
        [CaseStatus.Accepted] = "已签收",
        [CaseStatus.Contacted] = "处理中",
        [CaseStatus.Replied] = "已答复",
        [CaseStatus.CalledBack] = "已回访",
        [CaseStatus.Closed] = "已归档",
        [CaseStatus.Suspended] = "已挂起",
        [CaseStatus.InReview] = "审核中",
    };

    /// <summary>Every sub-category of the contract with its category and Chinese name: the shipped taxonomy version.</summary>
    public static IEnumerable<(SubCategory Value, Category Category, string Name)> ShippedSubCategories =>
        SubCategories.Select(e => (e.Key, e.Value.Category, e.Value.Name));

    /// <summary>Every category of the contract with its Chinese name: the shipped taxonomy version.</summary>
    public static IEnumerable<(Category Value, string Name)> ShippedCategories => CategoryNames.Select(e => (e.Key, e.Value));

    /// <summary>The category a sub-category belongs to, or null for an unknown value.</summary>
    public static Category? CategoryOf(SubCategory subCategory) =>
        SubCategories.TryGetValue(subCategory, out var entry) ? entry.Category : null;

    public static string ChineseName(SubCategory value) => SubCategories.TryGetValue(value, out var e) ? e.Name : value.ToString();

    public static string ChineseName(Category value) => CategoryNames.GetValueOrDefault(value, value.ToString());

    public static string ChineseName(CaseStatus value) => StatusNames.GetValueOrDefault(value, value.ToString());
}
