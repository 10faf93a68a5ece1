using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>
/// One row of the deadline policy, shaped for configuration binding and JSON: optional match fields, the clock,
/// and the limit as text ("4 working days"). A field left empty matches any value. Mutable only so that a binder
/// can fill it; <see cref="DeadlinePolicy.Create"/> validates and copies the rows.
/// </summary>
public sealed class DeadlineRule
{
    public Channel? Channel { get; set; }

    public RequestKind? RequestKind { get; set; }

    public Level? Level { get; set; }

    public CustomerClass? CustomerClass { get; set; }

    /// <summary>Which clock this row sets; required.</summary>
    public ClockKind? Clock { get; set; }

    /// <summary>The limit in <see cref="TimeLimit"/> text form, e.g. "24 hours", "4 working days", "7 calendar days".</summary>
    public string? Limit { get; set; }

    /// <summary>Why the row exists: its source, or that it is a product decision. Not used for matching.</summary>
    public string? Note { get; set; }

    /// <summary>How many match fields are set; the most specific matching row wins.</summary>
    public int Specificity =>
        (Channel is null ? 0 : 1) + (RequestKind is null ? 0 : 1) + (Level is null ? 0 : 1) + (CustomerClass is null ? 0 : 1);

    public override string ToString()
    {
        var match = new[]
        {
            Channel is null ? null : $"channel={Channel}",
            RequestKind is null ? null : $"requestKind={RequestKind}",
            Level is null ? null : $"level={Level}",
            CustomerClass is null ? null : $"customerClass={CustomerClass}",
        }.Where(s => s is not null);
        var when = string.Join(", ", match);
        return $"{Clock}: {Limit}{(when.Length == 0 ? " (any case)" : $" when {when}")}";
    }
}

/// <summary>
/// The configuration section for <see cref="DeadlinePolicy.FromOptions"/>: rules appended after the shipped
/// defaults (so a rule with the same match fields overrides a default), or used alone when
/// <see cref="ReplaceDefaults"/> is set.
/// </summary>
public sealed class DeadlinePolicyOptions
{
    public bool ReplaceDefaults { get; set; }

    public IList<DeadlineRule> Rules { get; } = [];
}
