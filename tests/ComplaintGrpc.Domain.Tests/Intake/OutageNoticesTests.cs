using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Intake;

namespace ComplaintGrpc.Domain.Tests.Intake;

public sealed class OutageNoticesTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 20, 1, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset End = Start.AddHours(6);
    private static readonly TimeSpan Margin = TimeSpan.FromHours(2);
    private static readonly GridLocation OnNorthFeeder = new() { Substation = "城北站", Feeder = "10kV 城北线", TransformerArea = "北苑1号台区" };

    private static NoticeWindow Notice(string id, DateTimeOffset? announced, string[]? feeders = null, string[]? areas = null,
        string[]? substations = null, DateTimeOffset? start = null) =>
        new(id, substations ?? [], feeders ?? ["10kV 城北线"], areas ?? [], start ?? Start, (start ?? Start) + (End - Start), announced);

    private static NoticeMatch Match(SubCategory sub, DateTimeOffset received, params NoticeWindow[] notices) =>
        OutageNotices.Match(sub, OnNorthFeeder, received, notices, Margin);

    [Fact]
    public void An_outage_complaint_during_an_announced_outage_on_its_feeder_is_announced()
    {
        var match = Match(SubCategory.Outage, Start.AddHours(1), Notice("N1", Start.AddDays(-3)));

        Assert.Equal(new NoticeMatch(OutageMatch.Announced, "N1"), match);
    }

    [Fact]
    public void A_notice_never_announced_or_announced_after_the_start_is_unannounced()
    {
        Assert.Equal(new NoticeMatch(OutageMatch.Unannounced, "N1"), Match(SubCategory.Outage, Start.AddHours(1), Notice("N1", null)));
        Assert.Equal(new NoticeMatch(OutageMatch.Unannounced, "N2"),
            Match(SubCategory.FrequentOutage, Start.AddHours(1), Notice("N2", Start.AddMinutes(1))));
    }

    [Theory]
    [InlineData(-121, false)]
    [InlineData(-120, true)]
    [InlineData(480, true)]
    [InlineData(481, false)]
    public void The_window_is_the_planned_one_widened_by_the_margin(int minutesFromStart, bool covered)
    {
        var match = Match(SubCategory.Outage, Start.AddMinutes(minutesFromStart), Notice("N1", Start.AddDays(-1)));

        Assert.Equal(covered ? OutageMatch.Announced : OutageMatch.None, match.Match);
    }

    [Fact]
    public void A_notice_elsewhere_on_the_grid_does_not_cover_the_case()
    {
        var match = Match(SubCategory.Outage, Start.AddHours(1), Notice("N1", Start.AddDays(-1), feeders: ["10kV 城南线"]));

        Assert.Equal(new NoticeMatch(OutageMatch.None, ""), match);
    }

    [Fact]
    public void A_transformer_area_or_substation_listed_covers_the_case()
    {
        Assert.Equal(OutageMatch.Unannounced,
            Match(SubCategory.Outage, Start, Notice("A", null, feeders: [], areas: ["北苑1号台区"])).Match);
        Assert.Equal(OutageMatch.Unannounced,
            Match(SubCategory.Outage, Start, Notice("S", null, feeders: [], substations: ["城北站"])).Match);
    }

    [Theory]
    [InlineData(SubCategory.RepairQuality)]
    [InlineData(SubCategory.TariffBilling)]
    [InlineData(SubCategory.Voltage)]
    public void A_complaint_not_about_an_outage_is_never_matched(SubCategory sub)
    {
        var match = Match(sub, Start.AddHours(1), Notice("N1", Start.AddDays(-1)));

        Assert.Equal(NoticeMatch.NotMatched, match);
    }

    [Fact]
    public void An_announced_notice_wins_over_an_unannounced_one_and_ties_go_to_the_earliest_start()
    {
        var match = Match(SubCategory.Outage, Start.AddHours(1),
            Notice("Z-unannounced", null, start: Start.AddHours(-1)), Notice("B", Start.AddDays(-1)), Notice("A", Start.AddDays(-1), start: Start.AddMinutes(30)));

        Assert.Equal(new NoticeMatch(OutageMatch.Announced, "B"), match);
    }
}
