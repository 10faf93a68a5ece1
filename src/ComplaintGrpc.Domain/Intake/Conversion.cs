using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.Intake;

/// <summary>Where a converted case's complaint clocks count from (setting <c>Intake:Conversion:ClocksFrom</c>).</summary>
public enum ConversionClocksFrom
{
    /// <summary>The original receipt: the clocks run as if the case had been a complaint all along (each keeps its start,
    /// the receipt for a first round, and its pauses), so a late conversion cannot extend the customer's wait; a
    /// conversion after the complaint limit is at once overdue.</summary>
    Receipt,
    /// <summary>The conversion instant: the complaint gets its full limits from the moment it became one.</summary>
    Conversion,
}

/// <summary>The conversion of a grumble or an opinion into a complaint (抱怨/意见建议 → 投诉). Pure.</summary>
public static class Conversion
{
    /// <summary>The kinds a supervisor may convert to a complaint: a grumble or an opinion is dissatisfaction that may
    /// become a complaint; an enquiry asks for information, and a complaint or a report already is what it is.</summary>
    public static bool IsConvertible(RequestKind kind) => kind is RequestKind.Grumble or RequestKind.Opinion;
}

/// <summary>Settings of the conversion (<c>Intake:Conversion</c>).</summary>
public sealed class ConversionOptions
{
    public ConversionClocksFrom ClocksFrom { get; set; } = ConversionClocksFrom.Receipt;
}
