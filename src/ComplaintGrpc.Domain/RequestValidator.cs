using System.Text.RegularExpressions;

namespace ComplaintGrpc.Domain;

/// <summary>
/// Collects every bad field of a request before anything is written, so a caller learns all problems at once
/// (one <see cref="FieldViolation"/> each) instead of fixing them one round trip at a time.
/// </summary>
public sealed partial class RequestValidator
{
    private readonly List<FieldViolation> _violations = [];

    public bool IsValid => _violations.Count == 0;

    public RequestValidator Add(string field, string description)
    {
        _violations.Add(new FieldViolation(field, description));
        return this;
    }

    public RequestValidator Check(bool ok, string field, string description) => ok ? this : Add(field, description);

    /// <summary>Free text: at most <paramref name="maxLength"/> characters, no control characters (line breaks and
    /// tabs only where <paramref name="multiline"/>), and not blank when required.</summary>
    public RequestValidator Text(string field, string value, int maxLength, bool required = false, bool multiline = false)
    {
        if (value.Length > maxLength)
            return Add(field, $"is {value.Length} characters long; at most {maxLength} are allowed");
        if (ControlCharacterProblem(value, multiline) is { } problem)
            return Add(field, problem);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
                i++;
            else if (char.IsSurrogate(c))
                return Add(field, "contains an unpaired surrogate");
        }
        return required && string.IsNullOrWhiteSpace(value) ? Add(field, "is required") : this;
    }

    /// <summary>
    /// The one control-character rule for text: no control character at all, or where <paramref name="multiline"/>
    /// none but tab, line feed and carriage return (U+0000 cannot even be stored in PostgreSQL text; the others are
    /// terminal and log injection). Returns what is wrong ("contains the control character U+0007"), or null.
    /// </summary>
    public static string? ControlCharacterProblem(string value, bool multiline)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t'))
                return $"contains the control character U+{(int)c:X4}";
        }
        return null;
    }

    /// <summary>An identifier matching <paramref name="pattern"/>; <paramref name="rule"/> says the rule in words.</summary>
    public RequestValidator Identifier(string field, string value, Regex pattern, string rule, bool required = true)
    {
        if (string.IsNullOrEmpty(value))
            return required ? Add(field, "is required") : this;
        return pattern.IsMatch(value) ? this : Add(field, $"must be {rule}");
    }

    /// <summary>A known, non-zero value of a contract enum (an unknown number from a newer client is rejected).</summary>
    public RequestValidator Enum<T>(string field, T value, bool required = true) where T : struct, Enum
    {
        if (Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) == 0)
            return required ? Add(field, "is required") : this;
        return System.Enum.IsDefined(value) ? this : Add(field, $"has an unknown value {value}");
    }

    /// <summary>A case id: the UUID the service assigned.</summary>
    public RequestValidator CaseId(string field, string value, out Guid id)
    {
        id = Guid.Empty;
        if (string.IsNullOrEmpty(value))
            return Add(field, "is required");
        return Guid.TryParse(value, out id) ? this : Add(field, "must be a case id as returned by SubmitComplaint (a UUID)");
    }

    public void ThrowIfInvalid()
    {
        if (!IsValid)
            throw DomainException.Invalid(_violations);
    }

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    public static partial Regex RequestIdPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,63}$")]
    public static partial Regex UnitIdPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")]
    public static partial Regex HandlerIdPattern();
}
