using System.Collections;
using System.Text.Unicode;
using ComplaintGrpc.Domain;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace ComplaintGrpc.Server.Internal;

/// <summary>
/// The rules every request message of every RPC meets, whatever its type, checked through the protobuf descriptors
/// so that a field or an RPC added later is covered without a line here. Field paths are proto field names joined by
/// dots ("customer.name"), as in the services' own BadRequest violations.
/// </summary>
internal static class RequestMessageRules
{
    /// <summary>No request carries an instant before this: nothing the service does happened before 1900.</summary>
    public static readonly DateTimeOffset EarliestTime = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>No request carries an instant from this on: deadline arithmetic (days and working days added to a
    /// received time) stays far from the end of DateTimeOffset and PostgreSQL's ranges.</summary>
    public static readonly DateTimeOffset LatestTime = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const int MaxDepth = 32;

    /// <summary>
    /// Every field of a parsed request that breaks a rule, one violation per field, in field order: a string with a
    /// control character other than tab, line feed and carriage return (<see cref="RequestValidator.ControlCharacterProblem"/>
    /// with multiline; the services' own rules are stricter per field), or a timestamp
    /// that is not a valid instant or lies outside [<see cref="EarliestTime"/>, <see cref="LatestTime"/>).
    /// </summary>
    public static IReadOnlyList<FieldViolation> Check(IMessage message)
    {
        var violations = new List<FieldViolation>();
        Check(message, "", 0, violations);
        return violations.DistinctBy(v => v.Field).ToList();
    }

    private static void Check(IMessage message, string prefix, int depth, List<FieldViolation> violations)
    {
        if (depth > MaxDepth)
            return; // The parser's own recursion limit already bounds this; no request type nests so deep.
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            if (field.Accessor.GetValue(message) is not { } value)
                continue;
            var path = prefix + field.Name;
            IEnumerable<object> items = field.IsMap
                ? ((IDictionary)value).Keys.Cast<object>().Concat(((IDictionary)value).Values.Cast<object>())
                : field.IsRepeated ? ((IEnumerable)value).Cast<object>() : [value];
            foreach (var item in items)
            {
                if (item is IMessage and not Timestamp)
                {
                    Check((IMessage)item, path + ".", depth + 1, violations);
                    continue;
                }
                var violation = item switch
                {
                    string text => CheckText(path, text),
                    Timestamp time => CheckTime(path, time),
                    _ => null,
                };
                if (violation is not null)
                {
                    violations.Add(violation);
                    break; // One violation per field, however many values it repeats.
                }
            }
        }
    }

    private static FieldViolation? CheckText(string path, string text) =>
        RequestValidator.ControlCharacterProblem(text, multiline: true) is { } problem ? new FieldViolation(path, problem) : null;

    private static FieldViolation? CheckTime(string path, Timestamp time)
    {
        if (time.Nanos is < 0 or >= 1_000_000_000)
            return new FieldViolation(path, $"has nanos {time.Nanos}; a timestamp's nanos are 0 to 999999999");
        var earliest = EarliestTime.ToUnixTimeSeconds();
        var latest = LatestTime.ToUnixTimeSeconds();
        return time.Seconds >= earliest && time.Seconds < latest
            ? null
            : new FieldViolation(path, $"must be from {EarliestTime:yyyy-MM-dd} to before {LatestTime:yyyy-MM-dd} (UTC)");
    }

    /// <summary>
    /// For a message the parser refused: the path of the field whose bytes are at fault (a string that is not UTF-8,
    /// a sub-message that cannot be read), found by walking the wire format against the descriptor; null when the
    /// fault is not inside a known field (a bad tag, a broken unknown field).
    /// </summary>
    public static string? LocateFault(byte[] message, MessageDescriptor descriptor) => LocateFault(message, descriptor, "", 0);

    private static string? LocateFault(byte[] message, MessageDescriptor descriptor, string prefix, int depth)
    {
        var input = new CodedInputStream(message);
        string? current = null;
        try
        {
            while (true)
            {
                current = null;
                var tag = input.ReadTag();
                if (tag == 0)
                    return null;
                var field = descriptor.FindFieldByNumber(WireFormat.GetTagFieldNumber(tag));
                if (field is null || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited
                    || field.FieldType is not (FieldType.String or FieldType.Message))
                {
                    current = field is null ? null : prefix + field.Name;
                    input.SkipLastField();
                    continue;
                }
                current = prefix + field.Name;
                var bytes = input.ReadBytes();
                if (field.FieldType == FieldType.String && !Utf8.IsValid(bytes.Span))
                    return current;
                if (field.FieldType == FieldType.Message && depth < MaxDepth
                    && LocateFault(bytes.ToByteArray(), field.MessageType, current + ".", depth + 1) is { } inner)
                    return inner;
            }
        }
        catch (InvalidProtocolBufferException)
        {
            return current ?? (prefix.Length > 0 ? prefix[..^1] : null);
        }
    }
}
