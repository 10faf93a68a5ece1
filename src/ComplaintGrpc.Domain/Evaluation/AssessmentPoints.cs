namespace ComplaintGrpc.Domain.Evaluation;

/// <summary>The points table of assessment (考核), bound from <c>Evaluation:Assessment</c>. The defaults are a product
/// decision (the source articles name what is assessed, not the weights): configure them to the utility's own rules.</summary>
public sealed class AssessmentOptions
{
    public double Substantiated { get; set; } = 2;
    public double PartlySubstantiated { get; set; } = 1;
    /// <summary>A 不属实 finding overturned by quality sampling: misreporting is itself assessed.</summary>
    public double OverturnedFinding { get; set; } = 3;
    public double ClockBreach { get; set; } = 0.5;
    /// <summary>"Frequently complained about": at least this many (partly) substantiated complaints ...</summary>
    public int FrequentMinimum { get; set; } = 3;
    /// <summary>... within this many days.</summary>
    public int FrequentWindowDays { get; set; } = 90;

    public double PointsFor(int substantiated, int partly, int overturned, int breaches) =>
        substantiated * Substantiated + partly * PartlySubstantiated + overturned * OverturnedFinding + breaches * ClockBreach;
}
