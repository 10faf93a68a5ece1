using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.Intake;

/// <summary>What intake found in the database about a new case, for the warning rules: its earlier cases within the
/// repeat window, and how many cases (the new one not counted) lie on its feeder and on its transformer area within the
/// hotspot window (each counted up to the rule's threshold only).</summary>
public sealed record IntakeFacts(int EarlierCases, int FeederCases, int TransformerAreaCases);

/// <summary>The rules that fired on a case and the sensitive keywords its description contains.</summary>
public sealed record Warnings(IReadOnlyList<WarningRule> Rules, IReadOnlyList<string> Keywords)
{
    public static readonly Warnings None = new([], []);

    public bool Any => Rules.Count > 0;
}

/// <summary>预警: the warning rules evaluated at intake. Pure: the request, what the database knows and the settings in,
/// the rules that fired out, in WarningRule order.</summary>
public static class WarningRules
{
    public static Warnings Evaluate(SubmitComplaintRequest request, IntakeFacts facts, WarningOptions options)
    {
        var rules = new List<WarningRule>();
        if (options.RepeatCustomer.Enabled && facts.EarlierCases >= options.RepeatCustomer.MinEarlierCases)
            rules.Add(WarningRule.RepeatCustomer);
        if (options.ImportantCustomer.Enabled && IsImportant(request.Customer, options.ImportantCustomer))
            rules.Add(WarningRule.ImportantCustomer);
        if (options.Regulator.Enabled && request.Channel == Channel.Regulator12398)
            rules.Add(WarningRule.Regulator);
        if (options.SkipLevel.Enabled && request.SkipLevel)
            rules.Add(WarningRule.SkipLevel);
        var keywords = options.SensitiveKeywords.Enabled ? SensitiveKeywordsIn(request.Description, options.SensitiveKeywords.Keywords) : [];
        if (keywords.Count > 0)
            rules.Add(WarningRule.SensitiveKeyword);
        if (options.HotspotArea.Enabled && IsHotspot(facts, options.HotspotArea))
            rules.Add(WarningRule.HotspotArea);
        return rules.Count == 0 ? Warnings.None : new Warnings(rules, keywords);
    }

    /// <summary>The new case counts towards its own area: N cases means N-1 earlier ones.</summary>
    public static bool IsHotspot(IntakeFacts facts, HotspotAreaRule rule) =>
        Math.Max(facts.FeederCases, facts.TransformerAreaCases) + 1 >= rule.MinCases;

    public static bool IsImportant(Customer customer, ImportantCustomerRule rule) =>
        customer.CustomerClass == CustomerClass.Important
        || (customer.AccountNumber.Length > 0 && rule.AccountNumbers.Contains(customer.AccountNumber, StringComparer.OrdinalIgnoreCase));

    /// <summary>The configured keywords found in the description, ignoring case, each once, in configured order.</summary>
    public static IReadOnlyList<string> SensitiveKeywordsIn(string description, IEnumerable<string> keywords) =>
        [.. keywords.Where(k => k.Length > 0 && description.Contains(k, StringComparison.OrdinalIgnoreCase)).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>The address as compared for repeats: every white space removed (the same address typed with and without
    /// spaces is one address). PostgreSQL computes the same with <c>regexp_replace(address, '\s', '', 'g')</c>.</summary>
    public static string AddressKey(string address) =>
        string.Concat(address.Where(ch => !char.IsWhiteSpace(ch)));
}
