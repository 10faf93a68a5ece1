using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.IntegrationTests.TimeLimits;

namespace ComplaintGrpc.IntegrationTests.Rectification;

/// <summary>评估: once the "after" period has passed, the evaluation job counts the complaints in scope before opening
/// and after completion and records whether the target was met — exact figures from seeded cases.</summary>
[Trait("Tier", "Integration")]
public sealed class RectificationEvaluationTests(SweepHost host) : IClassFixture<SweepHost>
{
    [Fact]
    public async Task The_evaluation_records_exact_before_and_after_figures_met_and_not_met_once()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var elsewhere = await Sample.OrganizationAsync(host.Organization);
        var t0 = host.AdvanceToLocal(9);
        var (metFeeder, failedFeeder) = (Sample.Id("10kV城北线"), Sample.Id("10kV城南线"));
        // Before: 4 cases in each scope within the 7 days before opening.
        for (var i = 0; i < 4; i++)
        {
            await Rectifying.CaseAsync(host, org.Station, t0.AddDays(-1 - i), metFeeder);
            await Rectifying.CaseAsync(host, org.Station, t0.AddDays(-1 - i), failedFeeder);
        }
        // Not counted: before the period, another category, a unit outside the scope's subtree.
        await Rectifying.CaseAsync(host, org.Station, t0.AddDays(-8), metFeeder);
        await Rectifying.CaseAsync(host, org.Station, t0.AddDays(-1), metFeeder, Category.Business, SubCategory.TariffBilling);
        await Rectifying.CaseAsync(host, elsewhere.Station, t0.AddDays(-1), metFeeder);

        var client = Rectifying.Client(host);
        // The scope is the province (1,000,000 customers), so the rates per 10,000 customers are known.
        var toMeet = await client.OpenRectificationAsync(Rectifying.FromHotspot(host, org.Station, org.Province, metFeeder));
        var toFail = await client.OpenRectificationAsync(Rectifying.FromHotspot(host, org.Station, org.Province, failedFeeder));
        Assert.Equal((4, 4), (toMeet.LinkedCaseCount, toFail.LinkedCaseCount));

        host.AdvanceTo(t0.AddHours(1));
        var completedAt = host.Now;
        await client.CompleteRectificationAsync(new CompleteRectificationRequest { Id = toMeet.Id, Etag = toMeet.Etag });
        await client.CompleteRectificationAsync(new CompleteRectificationRequest { Id = toFail.Id, Etag = toFail.Etag });
        await Rectifying.CaseAsync(host, org.Station, completedAt.AddMinutes(-30), metFeeder); // between opening and completion: in neither period

        // After: 2 and 3 cases within the 7 days after completion.
        host.AdvanceTo(completedAt.AddDays(1));
        Assert.Equal(0, await Rectifying.EvaluateAsync(host));
        for (var i = 0; i < 2; i++)
            await Rectifying.CaseAsync(host, org.Station, completedAt.AddHours(1 + i), metFeeder);
        for (var i = 0; i < 3; i++)
            await Rectifying.CaseAsync(host, org.Station, completedAt.AddHours(1 + i), failedFeeder);
        Assert.Equal(RectificationStatus.Completed, (await Rectifying.GetAsync(host, toMeet.Id)).Status);

        host.AdvanceTo(completedAt.AddDays(7).AddMinutes(1));
        await Rectifying.CaseAsync(host, org.Station, completedAt.AddDays(7), metFeeder); // after the period
        Assert.Equal(2, await Rectifying.EvaluateAsync(host));
        Assert.Equal(0, await Rectifying.EvaluateAsync(host));

        var met = await Rectifying.GetAsync(host, toMeet.Id);
        var opened = met.OpenedTime.ToDateTimeOffset();
        Assert.Equal(RectificationStatus.Met, met.Status);
        Assert.Equal(new RectificationResult
        {
            BeforeStartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(opened.AddDays(-7)),
            BeforeEndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(opened),
            AfterStartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(completedAt),
            AfterEndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(completedAt.AddDays(7)),
            BeforeCount = 4, AfterCount = 2, CustomerCount = 1_000_000, BeforePer10K = 0.04, AfterPer10K = 0.02, ChangePercent = -50, Met = true,
            EvaluatedTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(host.Now),
        }, met.Result);

        var failed = await Rectifying.GetAsync(host, toFail.Id);
        Assert.Equal((RectificationStatus.NotMet, 4, 3, -25.0, false),
            (failed.Status, failed.Result.BeforeCount, failed.Result.AfterCount, failed.Result.ChangePercent, failed.Result.Met));
    }
}
