using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Intake;

namespace ComplaintGrpc.Domain.Tests.Intake;

public sealed class WarningRulesTests
{
    private static readonly IntakeFacts Quiet = new(EarlierCases: 0, FeederCases: 0, TransformerAreaCases: 0);

    private static WarningOptions Options() => new()
    {
        ImportantCustomer = { AccountNumbers = ["VIP001"] },
        SensitiveKeywords = { Keywords = ["媒体", "Reporter"] },
        HotspotArea = { MinCases = 5 },
    };

    private static IReadOnlyList<WarningRule> Fired(SubmitComplaintRequest r, IntakeFacts facts, WarningOptions? options = null) =>
        WarningRules.Evaluate(r, facts, options ?? Options()).Rules;

    [Fact]
    public void A_plain_complaint_fires_no_rule()
    {
        var warnings = WarningRules.Evaluate(SubmitComplaintRequests.Valid(), Quiet, Options());

        Assert.False(warnings.Any);
        Assert.Empty(warnings.Keywords);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(4, true)]
    public void Repeat_customer_fires_from_the_configured_number_of_earlier_cases(int earlier, bool fires)
    {
        Assert.Equal(fires, Fired(SubmitComplaintRequests.Valid(), Quiet with { EarlierCases = earlier }).Contains(WarningRule.RepeatCustomer));

        var stricter = Options();
        stricter.RepeatCustomer.MinEarlierCases = 2;
        Assert.Equal(earlier >= 2, Fired(SubmitComplaintRequests.Valid(), Quiet with { EarlierCases = earlier }, stricter).Contains(WarningRule.RepeatCustomer));
    }

    [Fact]
    public void Important_customer_fires_for_the_important_class_or_a_listed_account_ignoring_case()
    {
        var byClass = SubmitComplaintRequests.Valid();
        byClass.Customer.CustomerClass = CustomerClass.Important;
        var byList = SubmitComplaintRequests.Valid();
        byList.Customer.AccountNumber = "vip001";

        Assert.Equal([WarningRule.ImportantCustomer], Fired(byClass, Quiet));
        Assert.Equal([WarningRule.ImportantCustomer], Fired(byList, Quiet));
        Assert.Empty(Fired(SubmitComplaintRequests.Valid(), Quiet));
    }

    [Fact]
    public void Regulator_and_skip_level_fire_on_their_own_signals()
    {
        var regulator = SubmitComplaintRequests.Valid();
        regulator.Channel = Channel.Regulator12398;
        var cityHotline = SubmitComplaintRequests.Valid();
        cityHotline.Channel = Channel.CityHotline12345;
        var skip = SubmitComplaintRequests.Valid();
        (skip.SkipLevel, skip.SkipLevelReason) = (true, "直接找省公司");

        Assert.Equal([WarningRule.Regulator], Fired(regulator, Quiet));
        Assert.Empty(Fired(cityHotline, Quiet));
        Assert.Equal([WarningRule.SkipLevel], Fired(skip, Quiet));
    }

    [Fact]
    public void Sensitive_keywords_are_found_anywhere_ignoring_case_and_named_once_each()
    {
        var r = SubmitComplaintRequests.Valid();
        r.Description = "我要找媒体，找 REPORTER，再找媒体。";

        var warnings = WarningRules.Evaluate(r, Quiet, Options());

        Assert.Equal([WarningRule.SensitiveKeyword], warnings.Rules);
        Assert.Equal(["媒体", "Reporter"], warnings.Keywords);
    }

    [Theory]
    [InlineData(3, 0, false)]
    [InlineData(4, 0, true)]
    [InlineData(0, 4, true)]
    [InlineData(2, 3, false)]
    public void Hotspot_area_counts_the_new_case_with_the_earlier_ones_on_its_feeder_or_its_area(int feeder, int area, bool fires) =>
        Assert.Equal(fires, Fired(SubmitComplaintRequests.Valid(), Quiet with { FeederCases = feeder, TransformerAreaCases = area })
            .Contains(WarningRule.HotspotArea));

    [Fact]
    public void A_disabled_rule_never_fires_and_rules_come_in_contract_order()
    {
        var r = SubmitComplaintRequests.Valid();
        (r.Channel, r.SkipLevel, r.SkipLevelReason, r.Description) = (Channel.Regulator12398, true, "越级", "媒体");
        r.Customer.CustomerClass = CustomerClass.Important;
        var busy = new IntakeFacts(EarlierCases: 3, FeederCases: 9, TransformerAreaCases: 0);

        Assert.Equal([WarningRule.RepeatCustomer, WarningRule.ImportantCustomer, WarningRule.Regulator, WarningRule.SkipLevel,
            WarningRule.SensitiveKeyword, WarningRule.HotspotArea], Fired(r, busy));

        var off = Options();
        off.RepeatCustomer.Enabled = off.ImportantCustomer.Enabled = off.Regulator.Enabled = off.SkipLevel.Enabled =
            off.SensitiveKeywords.Enabled = off.HotspotArea.Enabled = false;
        Assert.Empty(Fired(r, busy, off));
    }

    [Fact]
    public void The_address_key_drops_every_white_space_including_full_width()
    {
        Assert.Equal("南京市江宁区东山街道1号", WarningRules.AddressKey(" 南京市 江宁区\u3000东山街道\t1号 "));
    }

    [Fact]
    public void Settings_that_cannot_work_are_each_named()
    {
        var o = new IntakeOptions { RepeatWindow = TimeSpan.Zero };
        o.Warnings.RepeatCustomer.MinEarlierCases = 0;
        o.Warnings.HotspotArea.MinCases = 1;
        o.Warnings.HotspotArea.Window = TimeSpan.FromDays(400);
        o.Warnings.SensitiveKeywords.Keywords = [" "];

        Assert.Equal(5, o.Problems().Count());
        Assert.Empty(new IntakeOptions().Problems());
    }
}
