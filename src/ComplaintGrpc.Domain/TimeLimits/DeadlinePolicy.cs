using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>The limit of each clock for one case.</summary>
public sealed record ClockLimits(TimeLimit Dispatch, TimeLimit FirstContact, TimeLimit Reply, TimeLimit Callback, TimeLimit Review)
{
    public TimeLimit this[ClockKind clock] => clock switch
    {
        ClockKind.Dispatch => Dispatch,
        ClockKind.FirstContact => FirstContact,
        ClockKind.Reply => Reply,
        ClockKind.Callback => Callback,
        ClockKind.Review => Review,
        _ => throw new ArgumentOutOfRangeException(nameof(clock), clock, "Unknown clock."),
    };
}

/// <summary>
/// Which time limit applies to which case, as data: an ordered list of <see cref="DeadlineRule"/>s. For each clock
/// the matching rule with the most match fields set wins; among equally specific matches the later rule wins, so
/// rules appended with <see cref="With"/> override earlier ones with the same match fields. Every clock has a rule
/// without match fields, so every case gets a limit for every clock. Immutable once created.
/// </summary>
/// <remarks>
/// The shipped defaults (<see cref="Default"/>, embedded deadline-policy.default.json) follow the published
/// 95598 limits for first contact and reply; dispatch, callback and the shorter limits for VIP customers and
/// major/special complaints are product decisions, marked as such in each rule's note. README.md lists them.
/// </remarks>
public sealed class DeadlinePolicy
{
    private const string DefaultResource = "ComplaintGrpc.Domain.TimeLimits.deadline-policy.default.json";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNameCaseInsensitive = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false) },
    };

    private static readonly Lazy<DeadlinePolicy> Defaults = new(LoadDefault);

    private readonly ImmutableArray<Rule> _rules;

    private DeadlinePolicy(ImmutableArray<Rule> rules) => _rules = rules;

    /// <summary>The shipped defaults.</summary>
    public static DeadlinePolicy Default => Defaults.Value;

    /// <summary>Builds a policy from rules, in order.</summary>
    /// <exception cref="ArgumentException">A rule is incomplete or invalid, or a clock has no rule without match
    /// fields; the message names every offending rule by its index.</exception>
    public static DeadlinePolicy Create(IEnumerable<DeadlineRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return TryCreate(rules, out var policy, out var error) ? policy : throw new ArgumentException(error, nameof(rules));
    }

    /// <summary>Reads a policy document <c>{"rules": [{"channel": "Phone95598", "clock": "Reply", "limit": "4 working days"}, …]}</c>.</summary>
    /// <exception cref="FormatException">The document is malformed or a rule is invalid.</exception>
    public static DeadlinePolicy Parse(string json) =>
        TryCreate(ReadRules(json), out var policy, out var error) ? policy : throw new FormatException(error);

    private static bool TryCreate(IEnumerable<DeadlineRule> rules, [NotNullWhen(true)] out DeadlinePolicy? policy, out string error)
    {
        var problems = new List<string>();
        var compiled = ImmutableArray.CreateBuilder<Rule>();
        var index = 0;
        foreach (var rule in rules)
        {
            var at = $"rules[{index}] ({rule})";
            index++;
            if (rule.Clock is not { } clock || !ClockKinds.All.Contains(clock))
            {
                problems.Add($"{at}: \"clock\" must be one of {string.Join(", ", ClockKinds.All)}.");
            }

            if (!TimeLimit.TryParse(rule.Limit, out var limit))
            {
                problems.Add($"{at}: \"limit\" {(rule.Limit is null ? "is missing" : $"'{rule.Limit}' is not a time limit")} "
                    + "(e.g. '24 hours', '30 minutes', '4 working days', '7 calendar days').");
            }

            CheckMatch(rule.Channel, Channel.Unspecified, "channel", at, problems);
            CheckMatch(rule.RequestKind, RequestKind.Unspecified, "requestKind", at, problems);
            CheckMatch(rule.Level, Level.Unspecified, "level", at, problems);
            CheckMatch(rule.CustomerClass, CustomerClass.Unspecified, "customerClass", at, problems);
            if (rule.Clock is { } c && limit is not null)
            {
                compiled.Add(new Rule(rule.Channel, rule.RequestKind, rule.Level, rule.CustomerClass, c, limit, rule.Specificity, rule.Note));
            }
        }

        foreach (var clock in ClockKinds.All)
        {
            if (!compiled.Any(r => r.Clock == clock && r.Specificity == 0))
            {
                problems.Add($"clock {clock} has no rule without match fields, so some cases would get no {clock} limit.");
            }
        }

        policy = problems.Count == 0 ? new DeadlinePolicy(compiled.ToImmutable()) : null;
        error = "Deadline policy is invalid: " + string.Join(" ", problems);
        return policy is not null;
    }

    /// <summary>The defaults, with the configured rules appended (or alone when they replace the defaults).</summary>
    public static DeadlinePolicy FromOptions(DeadlinePolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.ReplaceDefaults ? Create(options.Rules) : Default.With(options.Rules);
    }

    /// <summary>This policy with <paramref name="rules"/> appended; they win ties with the existing rules.</summary>
    public DeadlinePolicy With(IEnumerable<DeadlineRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return Create(ToRules().Concat(rules));
    }

    /// <summary>The limit of every clock for a case with these attributes.</summary>
    public ClockLimits LimitsFor(Channel channel, RequestKind kind, Level level, CustomerClass customerClass) =>
        new(
            Find(ClockKind.Dispatch, channel, kind, level, customerClass),
            Find(ClockKind.FirstContact, channel, kind, level, customerClass),
            Find(ClockKind.Reply, channel, kind, level, customerClass),
            Find(ClockKind.Callback, channel, kind, level, customerClass),
            Find(ClockKind.Review, channel, kind, level, customerClass));

    /// <inheritdoc cref="LimitsFor(Channel, RequestKind, Level, CustomerClass)"/>
    public ClockLimits LimitsFor(CaseAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        return LimitsFor(attributes.Channel, attributes.RequestKind, attributes.Level, attributes.CustomerClass);
    }

    /// <summary>Fresh copies of the rules, in order, e.g. to show or store them.</summary>
    public IReadOnlyList<DeadlineRule> ToRules() =>
        [.. _rules.Select(r => new DeadlineRule
        {
            Channel = r.Channel,
            RequestKind = r.RequestKind,
            Level = r.Level,
            CustomerClass = r.CustomerClass,
            Clock = r.Clock,
            Limit = r.Limit.ToString(),
            Note = r.Note,
        })];

    private TimeLimit Find(ClockKind clock, Channel channel, RequestKind kind, Level level, CustomerClass customerClass)
    {
        Rule? best = null;
        foreach (var rule in _rules)
        {
            if (rule.Clock == clock
                && (rule.Channel is null || rule.Channel == channel)
                && (rule.RequestKind is null || rule.RequestKind == kind)
                && (rule.Level is null || rule.Level == level)
                && (rule.CustomerClass is null || rule.CustomerClass == customerClass)
                && (best is null || rule.Specificity >= best.Specificity))
            {
                best = rule;
            }
        }

        // Create guarantees a rule without match fields for every clock.
        return best!.Limit;
    }

    private static void CheckMatch<T>(T? value, T unspecified, string field, string at, List<string> problems)
        where T : struct, Enum
    {
        if (value is { } v && (!Enum.IsDefined(v) || EqualityComparer<T>.Default.Equals(v, unspecified)))
        {
            problems.Add($"{at}: \"{field}\" must be one of {string.Join(", ", Enum.GetNames<T>().Where(n => n != "Unspecified"))}, or left out to match any.");
        }
    }

    private static List<DeadlineRule> ReadRules(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        PolicyDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<PolicyDocument>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Deadline policy document is invalid: {ex.Message}", ex);
        }

        return document?.Rules ?? throw new FormatException("Deadline policy document must be an object with a \"rules\" array.");
    }

    private static DeadlinePolicy LoadDefault()
    {
        using var stream = typeof(DeadlinePolicy).Assembly.GetManifestResourceStream(DefaultResource)
            ?? throw new InvalidOperationException($"Embedded resource {DefaultResource} is missing from the build.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    private sealed record Rule(
        Channel? Channel, RequestKind? RequestKind, Level? Level, CustomerClass? CustomerClass,
        ClockKind Clock, TimeLimit Limit, int Specificity, string? Note);

    private sealed class PolicyDocument
    {
        public List<DeadlineRule>? Rules { get; set; }
    }
}
