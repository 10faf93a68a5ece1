using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>The attributes of a case that decide its time limits. Re-grading a case means new attributes.</summary>
public sealed record CaseAttributes(Channel Channel, RequestKind RequestKind, Level Level, CustomerClass CustomerClass);
