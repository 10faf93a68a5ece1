using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Evaluation;

namespace ComplaintGrpc.Domain.Tests.Evaluation;

public class QualitySamplingTests
{
    private static readonly DateOnly Week = new(2026, 11, 23);

    private static Guid Id(int n) => Guid.Parse($"00000000-0000-7000-8000-{n:D12}");

    /// <summary>City "nj": 30 candidates (3 by the 10 % share, but at least 5), case 29 from 12398 and case 30 a repeat.
    /// City "sz": 4 candidates, so all are drawn.</summary>
    private static List<SamplingCandidate> Candidates() =>
    [
        .. Enumerable.Range(1, 28).Select(n => new SamplingCandidate(Id(n), "nj")),
        new(Id(29), "nj", QualityDrawReason.Regulator12398),
        new(Id(30), "nj", QualityDrawReason.RepeatComplaint),
        .. Enumerable.Range(101, 4).Select(n => new SamplingCandidate(Id(n), "sz")),
    ];

    [Fact]
    public void The_draw_for_a_seed_is_exactly_these_cases()
    {
        var drawn = QualitySampling.Draw(Candidates(), "95598", Week, 0.10, 5);

        // Pinned: the same seed, week and candidates must draw these ids in every version of the service.
        Assert.Equal(ExpectedForSeed95598, drawn.Select(d => (d.CityUnitId, d.CaseId, d.Reason)).ToList());
    }

    // Worked out independently of the C# code (SHA-256 of "seed|week|city|case id without dashes", first 8 bytes big-endian,
    // smallest first), so the test pins the algorithm, not just its current output.
    private static readonly List<(string, Guid, QualityDrawReason)> ExpectedForSeed95598 =
    [
        ("nj", Guid.Parse("00000000-0000-7000-8000-000000000001"), QualityDrawReason.Sampled),
        ("nj", Guid.Parse("00000000-0000-7000-8000-000000000006"), QualityDrawReason.Sampled),
        ("nj", Guid.Parse("00000000-0000-7000-8000-000000000016"), QualityDrawReason.Sampled),
        ("nj", Guid.Parse("00000000-0000-7000-8000-000000000029"), QualityDrawReason.Regulator12398),
        ("nj", Guid.Parse("00000000-0000-7000-8000-000000000030"), QualityDrawReason.RepeatComplaint),
        ("sz", Guid.Parse("00000000-0000-7000-8000-000000000101"), QualityDrawReason.Sampled),
        ("sz", Guid.Parse("00000000-0000-7000-8000-000000000102"), QualityDrawReason.Sampled),
        ("sz", Guid.Parse("00000000-0000-7000-8000-000000000103"), QualityDrawReason.Sampled),
        ("sz", Guid.Parse("00000000-0000-7000-8000-000000000104"), QualityDrawReason.Sampled),
    ];

    [Fact]
    public void The_same_seed_draws_the_same_cases_whatever_the_order_of_the_candidates()
    {
        var shuffled = Candidates().OrderByDescending(c => c.CaseId).ToList();
        Assert.Equal(QualitySampling.Draw(Candidates(), "s", Week, 0.1, 5), QualitySampling.Draw(shuffled, "s", Week, 0.1, 5));
    }

    [Fact]
    public void Another_seed_or_week_draws_another_sample()
    {
        var a = QualitySampling.Draw(Candidates(), "seed-a", Week, 0.1, 5).Select(d => d.CaseId).ToHashSet();
        var b = QualitySampling.Draw(Candidates(), "seed-b", Week, 0.1, 5).Select(d => d.CaseId).ToHashSet();
        var c = QualitySampling.Draw(Candidates(), "seed-a", Week.AddDays(7), 0.1, 5).Select(d => d.CaseId).ToHashSet();
        Assert.False(a.SetEquals(b));
        Assert.False(a.SetEquals(c));
    }

    [Fact]
    public void Always_drawn_cases_are_drawn_and_count_towards_the_quota_which_is_the_share_rounded_up_and_at_least_the_minimum()
    {
        var drawn = QualitySampling.Draw(Candidates(), "x", Week, 0.10, 5);
        var nj = drawn.Where(d => d.CityUnitId == "nj").ToList();
        Assert.Equal(5, nj.Count);
        Assert.Contains(new DrawnCase(Id(29), "nj", QualityDrawReason.Regulator12398), nj);
        Assert.Contains(new DrawnCase(Id(30), "nj", QualityDrawReason.RepeatComplaint), nj);
        Assert.Equal(4, drawn.Count(d => d.CityUnitId == "sz"));
        Assert.Equal(8, QualitySampling.Draw(Candidates(), "x", Week, 0.25, 5).Count(d => d.CityUnitId == "nj")); // 30 × 25 % = 7.5 → 8
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(3, 3)]
    [InlineData(49, 5)]
    [InlineData(51, 6)]
    [InlineData(100, 10)]
    public void The_quota_is_ten_percent_rounded_up_at_least_five_at_most_all(int candidates, int quota) =>
        Assert.Equal(quota, QualitySampling.Quota(candidates, 0.10, 5));

    [Theory]
    [InlineData("2026-11-30", "2026-11-23")] // Monday: the week before
    [InlineData("2026-12-06", "2026-11-23")] // Sunday
    [InlineData("2026-12-01", "2026-11-23")]
    public void A_run_samples_the_whole_week_before_the_one_it_runs_in(string today, string weekStart) =>
        Assert.Equal(DateOnly.Parse(weekStart, System.Globalization.CultureInfo.InvariantCulture),
            QualitySampling.PreviousWeekStart(DateOnly.Parse(today, System.Globalization.CultureInfo.InvariantCulture)));
}
