using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Lifecycle;

namespace ComplaintGrpc.Domain.Tests.Lifecycle;

/// <summary>
/// Plausible case states for the lifecycle tests: each status carries what a real case in that status would have
/// (a unit once dispatched, a handler once assigned, the first contact once contacted, and so on).
/// </summary>
internal static class Cases
{
    public static readonly DateTimeOffset ReceivedAt = new(2026, 3, 2, 9, 0, 0, TimeSpan.FromHours(8));
    public static readonly DateTimeOffset FirstContactAt = ReceivedAt.AddHours(2);
    public static readonly DateTimeOffset ReplyAt = ReceivedAt.AddDays(1);
    public static readonly DateTimeOffset ClosedAt = ReceivedAt.AddDays(3);
    public static readonly DateTimeOffset Now = ReceivedAt.AddDays(5);

    public const string Unit = "unit-east";
    public const string Handler = "h-zhang";

    /// <summary>The status a case built by <see cref="In"/> for <see cref="CaseStatus.Suspended"/> was suspended from.</summary>
    public const CaseStatus SuspendedFromStatus = CaseStatus.Replied;

    public static CaseState In(CaseStatus status) => status switch
    {
        CaseStatus.Unspecified or CaseStatus.Received => Base(status),
        CaseStatus.Dispatched => Base(status) with { UnitId = Unit },
        CaseStatus.Assigned or CaseStatus.Accepted => Base(status) with { UnitId = Unit, HandlerId = Handler },
        CaseStatus.Contacted => Contacted(),
        CaseStatus.Replied => Contacted() with { Status = status, ReplyAt = ReplyAt },
        CaseStatus.CalledBack => Contacted() with { Status = status, ReplyAt = ReplyAt, CallbackScore = 5 },
        CaseStatus.Closed => Contacted() with
        {
            Status = status, ReplyAt = ReplyAt, CallbackScore = 5, ClosedAt = ClosedAt,
            Substantiation = Substantiation.Substantiated,
        },
        CaseStatus.Suspended => In(SuspendedFromStatus) with { Status = status, SuspendedFrom = SuspendedFromStatus },
        CaseStatus.InReview => In(CaseStatus.CalledBack) with { Status = status },
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "no sample case for this status"),
    };

    /// <summary>A complete finding: not substantiated, investigated the day after receipt.</summary>
    public static Finding Finding => new()
    {
        Version = 1,
        Outcome = Substantiation.Unsubstantiated,
        Basis = "调取停电记录：该时段无停电。",
        InvestigatorId = "inv-zhou",
        InvestigatedTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(ReceivedAt.AddDays(1)),
        RecordedBy = "sup-station",
    };

    /// <summary>A grumble (抱怨): ConvertToComplaint is the only step that reads the kind, and a grumble is one it converts.</summary>
    private static CaseState Base(CaseStatus status) =>
        new() { Status = status, ReceivedAt = ReceivedAt, Level = Level.Normal, CustomerClass = CustomerClass.Residential, RequestKind = RequestKind.Grumble };

    private static CaseState Contacted() =>
        Base(CaseStatus.Contacted) with { UnitId = Unit, HandlerId = Handler, FirstContactAt = FirstContactAt };
}
