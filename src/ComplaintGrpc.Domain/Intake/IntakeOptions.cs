namespace ComplaintGrpc.Domain.Intake;

/// <summary>Bound from <c>Intake:*</c>: how repeats are found and which warning rules run at intake.</summary>
public sealed class IntakeOptions
{
    /// <summary>重复投诉: earlier cases of the same customer received within this span before a new case are its repeats.</summary>
    public TimeSpan RepeatWindow { get; set; } = TimeSpan.FromDays(30);

    public WarningOptions Warnings { get; set; } = new();

    /// <summary>停电信息: an outage complaint matches a notice received from this long before its planned start to this
    /// long after its planned end (customers call ahead of the work and after late restoration).</summary>
    public TimeSpan OutageNoticeMargin { get; set; } = TimeSpan.FromHours(2);

    /// <summary>抱怨/意见建议 → 投诉: where a converted case's complaint clocks count from.</summary>
    public ConversionOptions Conversion { get; set; } = new();

    /// <summary>Every setting that cannot work, as "setting: problem" (empty when all is well); the host refuses to start otherwise.</summary>
    public IEnumerable<string> Problems()
    {
        if (RepeatWindow <= TimeSpan.Zero || RepeatWindow > TimeSpan.FromDays(366))
            yield return "Intake:RepeatWindow: must be more than 0 and at most 366 days";
        if (OutageNoticeMargin < TimeSpan.Zero || OutageNoticeMargin > TimeSpan.FromDays(7))
            yield return "Intake:OutageNoticeMargin: must be between 0 and 7 days";
        if (!Enum.IsDefined(Conversion.ClocksFrom))
            yield return "Intake:Conversion:ClocksFrom: must be Receipt or Conversion";
        var w = Warnings;
        if (w.RepeatCustomer.MinEarlierCases < 1)
            yield return "Intake:Warnings:RepeatCustomer:MinEarlierCases: must be at least 1";
        if (w.HotspotArea.MinCases < 2)
            yield return "Intake:Warnings:HotspotArea:MinCases: must be at least 2";
        if (w.HotspotArea.Window <= TimeSpan.Zero || w.HotspotArea.Window > TimeSpan.FromDays(366))
            yield return "Intake:Warnings:HotspotArea:Window: must be more than 0 and at most 366 days";
        if (w.SensitiveKeywords.Keywords.Any(string.IsNullOrWhiteSpace))
            yield return "Intake:Warnings:SensitiveKeywords:Keywords: a keyword may not be empty";
        if (w.ImportantCustomer.AccountNumbers.Any(string.IsNullOrWhiteSpace))
            yield return "Intake:Warnings:ImportantCustomer:AccountNumbers: an account number may not be empty";
    }
}

/// <summary>预警: each rule on or off, with its parameters.</summary>
public sealed class WarningOptions
{
    public RepeatCustomerRule RepeatCustomer { get; set; } = new();
    public ImportantCustomerRule ImportantCustomer { get; set; } = new();
    public SwitchRule Regulator { get; set; } = new();
    public SwitchRule SkipLevel { get; set; } = new();
    public SensitiveKeywordRule SensitiveKeywords { get; set; } = new();
    public HotspotAreaRule HotspotArea { get; set; } = new();
}

public sealed class SwitchRule
{
    public bool Enabled { get; set; } = true;
}

public sealed class RepeatCustomerRule
{
    public bool Enabled { get; set; } = true;

    /// <summary>Fires when the new case has at least this many earlier cases within the repeat window.</summary>
    public int MinEarlierCases { get; set; } = 1;
}

public sealed class ImportantCustomerRule
{
    public bool Enabled { get; set; } = true;

    /// <summary>Accounts treated as important besides those submitted with CUSTOMER_CLASS_IMPORTANT.</summary>
    public List<string> AccountNumbers { get; set; } = [];
}

public sealed class SensitiveKeywordRule
{
    public bool Enabled { get; set; } = true;

    /// <summary>Matched anywhere in the description, ignoring case; none configured means the rule never fires. Empty
    /// here because configuration binding appends to a list's defaults: the shipped list is in the server's appsettings.json.</summary>
    public List<string> Keywords { get; set; } = [];
}

public sealed class HotspotAreaRule
{
    public bool Enabled { get; set; } = true;

    /// <summary>Fires when the feeder or the transformer area has at least this many cases in the window, the new one included.</summary>
    public int MinCases { get; set; } = 5;

    public TimeSpan Window { get; set; } = TimeSpan.FromDays(7);
}
