using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.Evaluation;

/// <summary>One rule of the review chain: cases it matches need <see cref="Approvals"/> levels above the reviewer to
/// approve their closure. An empty list matches any value.</summary>
public sealed class ReviewRule
{
    public List<Level> Levels { get; set; } = [];
    public List<SubCategory> SubCategories { get; set; } = [];
    /// <summary>Only when the finding is (partly) substantiated.</summary>
    public bool OnlySubstantiated { get; set; }
    /// <summary>How many levels must approve, one after another up the unit chain (1-3: county, city, province above a station).</summary>
    public int Approvals { get; set; } = 1;

    public bool Matches(Level level, SubCategory subCategory, Substantiation outcome) =>
        (Levels.Count == 0 || Levels.Contains(level))
        && (SubCategories.Count == 0 || SubCategories.Contains(subCategory))
        && (!OnlySubstantiated || outcome.IsSubstantiated());

    public override string ToString() =>
        $"levels [{string.Join(", ", Levels)}], sub-categories [{string.Join(", ", SubCategories)}], only substantiated {OnlySubstantiated}, approvals {Approvals}";
}

/// <summary>Bound from <c>Evaluation:Review</c>: rules appended to the defaults, or replacing them.</summary>
public sealed class ReviewOptions
{
    public List<ReviewRule> Rules { get; set; } = [];
    public bool ReplaceDefaults { get; set; }
}

/// <summary>
/// The staged review chain (逐级审核) before close, as data: how many levels above the reviewer must approve a case's
/// closure (0: it closes at once). The most demanding matching rule wins. Default (a product decision from the source
/// articles, configurable): major and special cases, and every (partly) substantiated staff-conduct (服务行为)
/// complaint, need the level above to approve.
/// </summary>
public sealed class ReviewPolicy
{
    public const int MaxApprovals = 3;

    public static IReadOnlyList<ReviewRule> DefaultRules { get; } =
    [
        new() { Levels = [Level.Major, Level.Special], Approvals = 1 },
        new() { SubCategories = [SubCategory.StaffConduct], OnlySubstantiated = true, Approvals = 1 },
    ];

    public IReadOnlyList<ReviewRule> Rules { get; }

    public ReviewPolicy(IEnumerable<ReviewRule> rules)
    {
        Rules = [.. rules];
        var bad = Rules.Select((r, i) => (r, i)).Where(x => x.r.Approvals is < 1 or > MaxApprovals
                || x.r.Levels.Any(l => l == Level.Unspecified || !Enum.IsDefined(l))
                || x.r.SubCategories.Any(c => c == SubCategory.Unspecified || !Enum.IsDefined(c)))
            .Select(x => $"Evaluation:Review:Rules:{x.i} ({x.r})").ToList();
        if (bad.Count > 0)
            throw new ArgumentException($"Review rules need 1-{MaxApprovals} approvals and known levels and sub-categories: {string.Join("; ", bad)}.", nameof(rules));
    }

    public static ReviewPolicy Default { get; } = new(DefaultRules);

    public static ReviewPolicy FromOptions(ReviewOptions options) =>
        new(options.ReplaceDefaults ? options.Rules : [.. DefaultRules, .. options.Rules]);

    /// <summary>How many levels above the reviewer must approve the closure of a case with these attributes and outcome.</summary>
    public int ApprovalsNeeded(Level level, SubCategory subCategory, Substantiation outcome) =>
        Rules.Where(r => r.Matches(level, subCategory, outcome)).Select(r => r.Approvals).DefaultIfEmpty(0).Max();
}
