using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.Evaluation;

/// <summary>A case closed as not substantiated in the sampled week, with what makes it always drawn (if anything).</summary>
public sealed record SamplingCandidate(Guid CaseId, string CityUnitId, QualityDrawReason AlwaysDrawn = QualityDrawReason.Unspecified);

public sealed record DrawnCase(Guid CaseId, string CityUnitId, QualityDrawReason Reason);

/// <summary>Bound from <c>Evaluation:Sampling</c>.</summary>
public sealed class SamplingOptions
{
    /// <summary>The seed of the draw: the same seed, week and candidates always draw the same cases.</summary>
    public string Seed { get; set; } = "95598";
    /// <summary>Share of each city's candidates drawn (0-1); default 10 %.</summary>
    public double Share { get; set; } = 0.10;
    /// <summary>At least this many per city (or all of them, when fewer).</summary>
    public int Minimum { get; set; } = 5;
    /// <summary>Another complaint from the same account within this many days of a case makes it a repeat complaint.</summary>
    public int RepeatWindowDays { get; set; } = 30;
    /// <summary>Quartz cron (seconds first) of the weekly run, in <see cref="TimeZone"/>; each firing samples the week before.</summary>
    public string Cron { get; set; } = "0 30 2 ? * MON";
    public string TimeZone { get; set; } = "Asia/Shanghai";
}

/// <summary>
/// The weekly quality draw of 不属实 findings (质检), pure and deterministic. Per city: every always-drawn case (12398
/// referrals, repeat complaints), then the rest in the order of a keyed hash of (seed, week, city, case id) until the
/// city's quota is met: the share of its candidates rounded up, at least the minimum, at most all of them. Always-drawn
/// cases count towards the quota but are drawn even beyond it.
/// </summary>
public static class QualitySampling
{
    public static int Quota(int candidates, double share, int minimum) =>
        Math.Min(candidates, Math.Max(minimum, (int)Math.Ceiling(candidates * share - 1e-9)));

    public static IReadOnlyList<DrawnCase> Draw(IEnumerable<SamplingCandidate> candidates, string seed, DateOnly weekStart, double share, int minimum)
    {
        var drawn = new List<DrawnCase>();
        foreach (var city in candidates.GroupBy(c => c.CityUnitId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var all = city.DistinctBy(c => c.CaseId).ToList();
            var always = all.Where(c => c.AlwaysDrawn != QualityDrawReason.Unspecified).ToList();
            var rest = all.Where(c => c.AlwaysDrawn == QualityDrawReason.Unspecified)
                .OrderBy(c => Key(seed, weekStart, city.Key, c.CaseId)).ThenBy(c => c.CaseId)
                .Take(Math.Max(0, Quota(all.Count, share, minimum) - always.Count));
            drawn.AddRange(always.Select(c => new DrawnCase(c.CaseId, city.Key, c.AlwaysDrawn)));
            drawn.AddRange(rest.Select(c => new DrawnCase(c.CaseId, city.Key, QualityDrawReason.Sampled)));
        }
        return [.. drawn.OrderBy(d => d.CityUnitId, StringComparer.Ordinal).ThenBy(d => d.CaseId)];
    }

    /// <summary>The Monday of the week before the one <paramref name="localDate"/> falls in (the week a run samples).</summary>
    public static DateOnly PreviousWeekStart(DateOnly localDate) =>
        localDate.AddDays(-(((int)localDate.DayOfWeek + 6) % 7) - 7);

    private static ulong Key(string seed, DateOnly week, string city, Guid caseId)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{seed}|{week:yyyy-MM-dd}|{city}|{caseId:N}");
        return BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
