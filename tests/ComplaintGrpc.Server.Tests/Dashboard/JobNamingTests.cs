using ComplaintGrpc.Server.Dashboard;
using ComplaintGrpc.Storage.Jobs;

namespace ComplaintGrpc.Server.Tests.Dashboard;

/// <summary>How background work is named for an administrator: delivery batches by their case numbers, Quartz
/// triggers by their cron expression or interval.</summary>
public sealed class JobNamingTests
{
    [Fact]
    public void A_delivery_batch_is_named_by_its_first_case_numbers_and_counts_the_rest()
    {
        Assert.Equal("CP20261127000001 (1 notification)", DeliveryBatchLabel.Of(["CP20261127000001"]));
        Assert.Equal("CP20261127000001, CP20261127000002 (3 notifications)",
            DeliveryBatchLabel.Of(["CP20261127000002", "CP20261127000001", "CP20261127000002"]));
        Assert.Equal("CP1, CP2, CP3, +2 more cases, 1 notification without a case (6 notifications)",
            DeliveryBatchLabel.Of(["CP5", "CP4", "CP3", "CP2", "CP1", null]));
        Assert.Equal("2 notifications without a case (2 notifications)", DeliveryBatchLabel.Of([null, null]));
    }

    [Theory]
    [InlineData(200L, "every 200 ms")]
    [InlineData(2_000L, "every 2 s")]
    [InlineData(1_500L, "every 1.5 s")]
    [InlineData(900_000L, "every 15 min")]
    [InlineData(3_600_000L, "every 1 h")]
    [InlineData(86_400_000L, "every 1 d")]
    [InlineData(5_400_000L, "every 90 min")]
    public void A_simple_trigger_shows_its_interval(long milliseconds, string expected) =>
        Assert.Equal(expected, SchedulesPage.Schedule(Row(repeatInterval: milliseconds)));

    [Fact]
    public void A_cron_trigger_shows_its_expression_and_time_zone()
    {
        Assert.Equal("cron 0 30 6 * * ? (Asia/Shanghai)", SchedulesPage.Schedule(Row(cron: "0 30 6 * * ?", zone: "Asia/Shanghai")));
        Assert.Equal("cron 0 0/15 * * * ?", SchedulesPage.Schedule(Row(cron: "0 0/15 * * * ?")));
    }

    [Fact]
    public void A_fire_time_is_read_as_utc_ticks_and_none_is_blank()
    {
        var at = new DateTimeOffset(2026, 11, 29, 13, 0, 0, TimeSpan.Zero);
        Assert.Equal(at, SchedulesPage.FireTime(at.UtcTicks));
        Assert.Null(SchedulesPage.FireTime(null));
        Assert.Null(SchedulesPage.FireTime(-1));
    }

    private static SchedulesPage.Row Row(string? cron = null, string? zone = null, long? repeatInterval = null) =>
        new("job", "DEFAULT", "trigger", "WAITING", cron is null ? "SIMPLE" : "CRON", cron, zone, repeatInterval, null, null, null, null, null, null);
}
