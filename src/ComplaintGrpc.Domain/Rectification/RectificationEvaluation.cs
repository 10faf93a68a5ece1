namespace ComplaintGrpc.Domain.Rectification;

/// <summary>The two equal periods a rectification is judged on: [BeforeStart, BeforeEnd) ending when it was opened,
/// [AfterStart, AfterEnd) starting when it was completed.</summary>
public sealed record EvaluationWindows(DateTimeOffset BeforeStart, DateTimeOffset BeforeEnd, DateTimeOffset AfterStart, DateTimeOffset AfterEnd)
{
    public static EvaluationWindows For(DateTimeOffset openedAt, DateTimeOffset completedAt, int days) =>
        new(openedAt.AddDays(-days), openedAt, completedAt, completedAt.AddDays(days));
}

/// <summary>What the evaluation records: the counts, the rates per 10,000 customers (0 when the customer count is
/// unknown), the change in percent and whether the target was met.</summary>
public sealed record EvaluationOutcome(int BeforeCount, int AfterCount, long CustomerCount, double BeforePer10K, double AfterPer10K,
    double ChangePercent, bool Met);

/// <summary>评估: the pure comparison of a rectification's before and after periods.</summary>
public static class RectificationEvaluation
{
    /// <summary>
    /// Met when the complaints fell by at least <paramref name="targetReductionPercent"/>:
    /// after × 100 &lt;= before × (100 − target), in integers so that "down by half" of 8 is met by exactly 4. With no
    /// complaint before, nothing can fall: met only when none came after either. The periods are equally long and the
    /// customer count is the same for both, so the rate comparison and the count comparison agree.
    /// </summary>
    public static EvaluationOutcome Judge(int before, int after, int targetReductionPercent, long customerCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(before);
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        ArgumentOutOfRangeException.ThrowIfLessThan(targetReductionPercent, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(targetReductionPercent, 100);
        var met = before == 0 ? after == 0 : (long)after * 100 <= (long)before * (100 - targetReductionPercent);
        var change = before == 0 ? 0 : (after - before) * 100.0 / before;
        double Per10K(int n) => customerCount > 0 ? n * 10_000.0 / customerCount : 0;
        return new EvaluationOutcome(before, after, Math.Max(0, customerCount), Per10K(before), Per10K(after), change, met);
    }
}
