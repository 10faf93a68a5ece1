namespace ComplaintGrpc.Domain;

/// <summary>What kind of rule a request broke; the server maps each kind to exactly one gRPC status code.</summary>
public enum ErrorKind
{
    /// <summary>A field is missing or malformed (INVALID_ARGUMENT, with one violation per field).</summary>
    InvalidArgument,
    /// <summary>The addressed resource does not exist, or the caller may not know it exists (NOT_FOUND).</summary>
    NotFound,
    /// <summary>The resource already exists with other content (ALREADY_EXISTS).</summary>
    AlreadyExists,
    /// <summary>The request does not fit the resource's current state (FAILED_PRECONDITION).</summary>
    FailedPrecondition,
    /// <summary>The caller's etag is stale: someone else wrote first (ABORTED); re-read and retry.</summary>
    Aborted,
    /// <summary>The caller may not do this (PERMISSION_DENIED).</summary>
    PermissionDenied,
    /// <summary>A quota or size limit was exceeded (RESOURCE_EXHAUSTED).</summary>
    ResourceExhausted,
}

/// <summary>Well-known keys of <see cref="DomainException.Metadata"/>.</summary>
public static class ErrorMetadata
{
    /// <summary>How long to wait before retrying, in milliseconds; becomes a google.rpc.RetryInfo.</summary>
    public const string RetryAfterMilliseconds = "retry_after_ms";
}

/// <summary>One bad field of a request, named by its path in the request message (e.g. "customer.phone").</summary>
public sealed record FieldViolation(string Field, string Description);

/// <summary>
/// A request that breaks a domain rule. <see cref="Reason"/> is a stable UPPER_SNAKE code callers may branch on;
/// the message is for people. Thrown before anything is written, so a caller that gets one knows nothing was stored.
/// </summary>
public sealed class DomainException : Exception
{
    public DomainException(ErrorKind kind, string reason, string message,
        IReadOnlyList<FieldViolation>? violations = null, IReadOnlyDictionary<string, string>? metadata = null)
        : base(message)
    {
        Kind = kind;
        Reason = reason;
        Violations = violations ?? [];
        Metadata = metadata ?? new Dictionary<string, string>();
    }

    public ErrorKind Kind { get; }
    public string Reason { get; }
    public IReadOnlyList<FieldViolation> Violations { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public static DomainException Invalid(IReadOnlyList<FieldViolation> violations) =>
        new(ErrorKind.InvalidArgument, "INVALID_ARGUMENT",
            $"The request has {violations.Count} invalid field(s): {string.Join(", ", violations.Select(v => v.Field))}.",
            violations);

    public static DomainException Invalid(string field, string description) => Invalid([new FieldViolation(field, description)]);

    public static DomainException NotFound(string reason, string message) => new(ErrorKind.NotFound, reason, message);

    public static DomainException StaleEtag() =>
        new(ErrorKind.Aborted, "ETAG_MISMATCH", "The case was changed by someone else since it was read; read it again and retry.");
}
