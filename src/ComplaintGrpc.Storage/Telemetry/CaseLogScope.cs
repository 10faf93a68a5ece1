using System.Collections;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ComplaintGrpc.Storage.Telemetry;

/// <summary>
/// The logging scope of work on one case: every line logged inside it carries <c>case_number</c> and <c>trace_id</c>
/// (with the JSON console formatter, in its <c>Scopes</c>), so an operator can find all lines about a case and jump to
/// its trace.
/// </summary>
public sealed class CaseLogScope(string caseNumber, string? traceId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public static IDisposable? Begin(ILogger logger, string caseNumber) =>
        logger.BeginScope(new CaseLogScope(caseNumber, Activity.Current?.TraceId.ToHexString()));

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("case_number", caseNumber),
        1 => new("trace_id", traceId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public int Count => 2;

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"case {caseNumber}";
}
