using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.TimeLimits;


namespace ComplaintGrpc.Domain.Tests.TimeLimits;

public class DeadlinePolicyTests
{
    private static readonly DeadlinePolicy Defaults = DeadlinePolicy.Default;

    private static DeadlineRule Rule(ClockKind clock, string limit, Channel? channel = null, RequestKind? kind = null, Level? level = null, CustomerClass? customer = null) =>
        new() { Clock = clock, Limit = limit, Channel = channel, RequestKind = kind, Level = level, CustomerClass = customer };

    [Theory]
    [InlineData(Channel.Phone95598, RequestKind.Complaint, "4 working days")]
    [InlineData(Channel.Phone95598, RequestKind.Report, "9 working days")]
    [InlineData(Channel.Regulator12398, RequestKind.Complaint, "10 working days")]
    [InlineData(Channel.Regulator12398, RequestKind.Report, "10 working days")]
    [InlineData(Channel.CityHotline12345, RequestKind.Complaint, "7 calendar days")]
    [InlineData(Channel.AppWeb, RequestKind.Complaint, "10 calendar days")]
    [InlineData(Channel.Counter, RequestKind.Report, "10 calendar days")]
    [InlineData(Channel.Other, RequestKind.Complaint, "10 calendar days")]
    public void Default_reply_limits_follow_the_published_table(Channel channel, RequestKind kind, string reply) =>
        Assert.Equal(reply, Defaults.LimitsFor(channel, kind, Level.Normal, CustomerClass.Residential).Reply.ToString());

    [Theory]
    [InlineData(Level.Normal, CustomerClass.Residential, "2 hours", "24 hours")]
    [InlineData(Level.Normal, CustomerClass.NonResidential, "2 hours", "24 hours")]
    [InlineData(Level.Important, CustomerClass.Residential, "2 hours", "12 hours")]
    [InlineData(Level.Normal, CustomerClass.Important, "2 hours", "12 hours")]
    [InlineData(Level.Major, CustomerClass.Residential, "30 minutes", "12 hours")]
    [InlineData(Level.Special, CustomerClass.Residential, "30 minutes", "2 hours")]
    [InlineData(Level.Special, CustomerClass.Important, "30 minutes", "2 hours")]
    public void Default_dispatch_and_first_contact_are_shorter_for_higher_levels_and_VIPs(Level level, CustomerClass customer, string dispatch, string firstContact)
    {
        var limits = Defaults.LimitsFor(Channel.Phone95598, RequestKind.Complaint, level, customer);

        Assert.Equal(dispatch, limits.Dispatch.ToString());
        Assert.Equal(firstContact, limits.FirstContact.ToString());
        Assert.Equal("2 working days", limits.Callback.ToString());
    }

    [Theory]
    [InlineData(Channel.Phone95598, RequestKind.Complaint, Level.Major, CustomerClass.Residential, "2 working days")]
    [InlineData(Channel.Phone95598, RequestKind.Report, Level.Special, CustomerClass.Residential, "5 working days")]
    [InlineData(Channel.Regulator12398, RequestKind.Complaint, Level.Normal, CustomerClass.Important, "5 working days")]
    [InlineData(Channel.CityHotline12345, RequestKind.Complaint, Level.Major, CustomerClass.Residential, "4 calendar days")]
    [InlineData(Channel.AppWeb, RequestKind.Complaint, Level.Normal, CustomerClass.Important, "5 calendar days")]
    [InlineData(Channel.Counter, RequestKind.Complaint, Level.Special, CustomerClass.NonResidential, "5 calendar days")]
    [InlineData(Channel.Phone95598, RequestKind.Complaint, Level.Important, CustomerClass.Residential, "4 working days")]
    public void Default_reply_is_halved_for_major_special_and_VIP(Channel channel, RequestKind kind, Level level, CustomerClass customer, string reply) =>
        Assert.Equal(reply, Defaults.LimitsFor(channel, kind, level, customer).Reply.ToString());

    [Fact]
    public void Every_shortened_default_reply_is_the_normal_one_halved_and_rounded_up()
    {
        foreach (var channel in Enum.GetValues<Channel>().Where(c => c != Channel.Unspecified))
        {
            foreach (var kind in new[] { RequestKind.Complaint, RequestKind.Report })
            {
                var normal = Defaults.LimitsFor(channel, kind, Level.Normal, CustomerClass.Residential).Reply;
                var expected = new TimeLimit((normal.Amount + 1) / 2, normal.Unit);
                foreach (var (level, customer) in new[]
                {
                    (Level.Major, CustomerClass.Residential), (Level.Special, CustomerClass.Residential),
                    (Level.Normal, CustomerClass.Important), (Level.Major, CustomerClass.Important),
                })
                {
                    Assert.Equal(expected, Defaults.LimitsFor(channel, kind, level, customer).Reply);
                }
            }
        }
    }

    [Fact]
    public void Every_default_rule_carries_a_note()
    {
        var rules = Defaults.ToRules();

        Assert.NotEmpty(rules);
        Assert.All(rules, r => Assert.False(string.IsNullOrWhiteSpace(r.Note), r.ToString()));
    }

    [Theory]
    [InlineData(Channel.Phone95598, Level.Major, "1 working day")] // channel + level
    [InlineData(Channel.Phone95598, Level.Normal, "5 working days")] // channel
    [InlineData(Channel.AppWeb, Level.Major, "3 working days")] // level
    [InlineData(Channel.AppWeb, Level.Normal, "10 calendar days")] // fallback
    public void The_most_specific_match_wins_whatever_the_order(Channel channel, Level level, string expected)
    {
        DeadlineRule[] rules =
        [
            Rule(ClockKind.Reply, "1 working day", Channel.Phone95598, level: Level.Major),
            Rule(ClockKind.Reply, "3 working days", level: Level.Major),
            Rule(ClockKind.Reply, "5 working days", Channel.Phone95598),
            Rule(ClockKind.Reply, "10 calendar days"),
            Rule(ClockKind.Dispatch, "2 hours"),
            Rule(ClockKind.FirstContact, "24 hours"),
            Rule(ClockKind.Callback, "2 working days"),
            Rule(ClockKind.Review, "2 working days"),
        ];

        Assert.Equal(expected, DeadlinePolicy.Create(rules).LimitsFor(channel, RequestKind.Complaint, level, CustomerClass.Residential).Reply.ToString());
        Assert.Equal(expected, DeadlinePolicy.Create(rules.Reverse()).LimitsFor(channel, RequestKind.Complaint, level, CustomerClass.Residential).Reply.ToString());
    }

    [Theory]
    [InlineData(false, "3 working days")]
    [InlineData(true, "5 working days")]
    public void Equally_specific_matches_are_decided_by_order_the_later_wins(bool channelRuleLast, string expected)
    {
        var byChannel = Rule(ClockKind.Reply, "5 working days", Channel.Phone95598);
        var byLevel = Rule(ClockKind.Reply, "3 working days", level: Level.Major);
        DeadlineRule[] fallbacks = [Rule(ClockKind.Reply, "10 calendar days"), Rule(ClockKind.Dispatch, "2 hours"), Rule(ClockKind.FirstContact, "24 hours"), Rule(ClockKind.Callback, "2 working days"), Rule(ClockKind.Review, "2 working days")];

        var policy = DeadlinePolicy.Create([.. fallbacks, .. channelRuleLast ? new[] { byLevel, byChannel } : [byChannel, byLevel]]);

        Assert.Equal(expected, policy.LimitsFor(Channel.Phone95598, RequestKind.Complaint, Level.Major, CustomerClass.Residential).Reply.ToString());
    }

    [Fact]
    public void Appended_rules_override_defaults_with_the_same_match_fields_only()
    {
        var policy = Defaults.With([Rule(ClockKind.Reply, "5 working days", Channel.Phone95598, RequestKind.Complaint)]);

        Assert.Equal(TimeLimit.WorkingDays(5), policy.LimitsFor(Channel.Phone95598, RequestKind.Complaint, Level.Normal, CustomerClass.Residential).Reply);
        // The more specific default for major complaints still applies.
        Assert.Equal(TimeLimit.WorkingDays(2), policy.LimitsFor(Channel.Phone95598, RequestKind.Complaint, Level.Major, CustomerClass.Residential).Reply);
        // The defaults themselves are untouched.
        Assert.Equal(TimeLimit.WorkingDays(4), Defaults.LimitsFor(Channel.Phone95598, RequestKind.Complaint, Level.Normal, CustomerClass.Residential).Reply);
    }

    [Fact]
    public void Options_append_to_or_replace_the_defaults()
    {
        var append = new DeadlinePolicyOptions();
        append.Rules.Add(Rule(ClockKind.Dispatch, "1 hour"));
        var replace = new DeadlinePolicyOptions { ReplaceDefaults = true };
        replace.Rules.Add(Rule(ClockKind.Dispatch, "1 hour"));

        var appended = DeadlinePolicy.FromOptions(append).LimitsFor(Channel.AppWeb, RequestKind.Complaint, Level.Major, CustomerClass.Residential);
        Assert.Equal(TimeLimit.ClockHours(1), DeadlinePolicy.FromOptions(append).LimitsFor(Channel.AppWeb, RequestKind.Complaint, Level.Normal, CustomerClass.Residential).Dispatch);
        Assert.Equal(TimeLimit.ClockMinutes(30), appended.Dispatch);
        var ex = Assert.Throws<ArgumentException>(() => DeadlinePolicy.FromOptions(replace));
        Assert.Contains("clock Reply has no rule without match fields", ex.Message);
    }

    [Fact]
    public void Parse_reads_the_configuration_shape_with_enum_names()
    {
        var policy = DeadlinePolicy.Parse("""
            {"rules": [
              {"clock": "Dispatch", "limit": "2 hours"},
              {"clock": "FirstContact", "limit": "24 hours"},
              {"clock": "Reply", "limit": "10 calendar days", "note": "fallback"},
              {"channel": "Phone95598", "requestKind": "Complaint", "clock": "Reply", "limit": "4 working days"},
              {"clock": "Callback", "limit": "2 working days"},
              {"clock": "Review", "limit": "2 working days"}
            ]}
            """);

        Assert.Equal(TimeLimit.WorkingDays(4), policy.LimitsFor(Channel.Phone95598, RequestKind.Complaint, Level.Normal, CustomerClass.Residential).Reply);
        Assert.Equal(TimeLimit.CalendarDays(10), policy.LimitsFor(Channel.Phone95598, RequestKind.Report, Level.Normal, CustomerClass.Residential).Reply);
    }

    private const string Fallbacks = """
        {"clock": "Dispatch", "limit": "2 hours"}, {"clock": "FirstContact", "limit": "24 hours"},
        {"clock": "Reply", "limit": "10 calendar days"}, {"clock": "Callback", "limit": "2 working days"}
        """;

    [Theory]
    [InlineData("""{"clock": "Reply", "limit": "4 business days"}""", "'4 business days' is not a time limit")]
    [InlineData("""{"clock": "Reply"}""", "\"limit\" is missing")]
    [InlineData("""{"limit": "4 working days"}""", "\"clock\" must be one of Dispatch, FirstContact, Reply, Callback")]
    [InlineData("""{"channel": "Unspecified", "clock": "Reply", "limit": "4 working days"}""", "\"channel\" must be one of Phone95598")]
    [InlineData("""{"level": "Unspecified", "clock": "Reply", "limit": "4 working days"}""", "\"level\" must be one of")]
    public void Parse_rejects_an_invalid_rule_and_names_it(string rule, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => DeadlinePolicy.Parse($$"""{"rules": [{{Fallbacks}}, {{rule}}]}"""));

        Assert.Contains("rules[4]", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Theory]
    [InlineData("""{"rules": [{"clock": "Reply", "limit": "4 working days", "chanel": "Phone95598"}]}""", "chanel")]
    [InlineData("""{"rules": [{"clock": 2, "limit": "4 working days"}]}""", "clock")]
    [InlineData("""{"rules": [{"clock": "Reply", "level": "Urgent", "limit": "4 working days"}]}""", "level")]
    [InlineData("""{"policy": []}""", "policy")]
    [InlineData("""{}""", "\"rules\" array")]
    public void Parse_rejects_a_malformed_document(string json, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => DeadlinePolicy.Parse(json));

        Assert.Contains(expected, ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Every_clock_needs_a_rule_that_matches_any_case()
    {
        var ex = Assert.Throws<ArgumentException>(() => DeadlinePolicy.Create(
        [
            Rule(ClockKind.Dispatch, "2 hours"),
            Rule(ClockKind.FirstContact, "24 hours"),
            Rule(ClockKind.Reply, "4 working days", Channel.Phone95598),
        ]));

        Assert.Contains("clock Reply has no rule without match fields", ex.Message);
        Assert.Contains("clock Callback has no rule without match fields", ex.Message);
    }

    [Fact]
    public void The_rules_of_a_policy_rebuild_the_same_policy()
    {
        var copy = DeadlinePolicy.Create(Defaults.ToRules());

        foreach (var channel in Enum.GetValues<Channel>())
        {
            foreach (var level in Enum.GetValues<Level>())
            {
                foreach (var customer in Enum.GetValues<CustomerClass>())
                {
                    Assert.Equal(
                        Defaults.LimitsFor(channel, RequestKind.Complaint, level, customer),
                        copy.LimitsFor(channel, RequestKind.Complaint, level, customer));
                }
            }
        }
    }

    [Theory]
    [InlineData(ClockKind.Dispatch, ClockStartEvent.Received)]
    [InlineData(ClockKind.FirstContact, ClockStartEvent.Received)]
    [InlineData(ClockKind.Reply, ClockStartEvent.Received)]
    [InlineData(ClockKind.Callback, ClockStartEvent.Replied)]
    [InlineData(ClockKind.Review, ClockStartEvent.ReviewRequested)]
    public void Each_clock_starts_at_its_lifecycle_event(ClockKind clock, ClockStartEvent start) =>
        Assert.Equal(start, clock.StartEvent());
}
