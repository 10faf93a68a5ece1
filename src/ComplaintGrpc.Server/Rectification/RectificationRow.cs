using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Rectification;
using ComplaintGrpc.Storage;

namespace ComplaintGrpc.Server.Rectification;

/// <summary>A rectification as stored, with its owner unit's zone and path and its linked cases; shaped into the
/// contract message here.</summary>
internal sealed class RectificationRow
{
    /// <summary>Select list over <c>rectifications r JOIN units u ON u.unit_id = r.owner_unit_id</c>.</summary>
    public static readonly string Columns = $"""
        r.*, u.time_zone, u.path AS owner_path,
        (SELECT count(*)::int FROM rectification_cases rc WHERE rc.rectification_id = r.id) AS linked_case_count,
        ARRAY(SELECT rc.complaint_id FROM rectification_cases rc WHERE rc.rectification_id = r.id
              ORDER BY rc.complaint_id LIMIT {Rectifications.MaxLinkedCases}) AS complaint_ids
        """;

    public const string From = "FROM rectifications r JOIN units u ON u.unit_id = r.owner_unit_id";

    public Guid Id { get; init; }
    public string RequestId { get; init; } = "";
    public byte[] RequestHash { get; init; } = [];
    public string OwnerUnitId { get; init; } = "";
    public string OwnerPath { get; init; } = "";
    public string TimeZone { get; init; } = "";
    public string Plan { get; init; } = "";
    public DateTime DueDate { get; init; }
    public DateTime DueAt { get; init; }
    public int TargetReductionPercent { get; init; }
    public int EvaluationDays { get; init; }
    public string ScopeUnitId { get; init; } = "";
    public string[] ScopeSubstations { get; init; } = [];
    public string[] ScopeFeeders { get; init; } = [];
    public string[] ScopeTransformerAreas { get; init; } = [];
    public string[] ScopeCategories { get; init; } = [];
    public string[] ScopeSubCategories { get; init; } = [];
    public string? HotspotGrain { get; init; }
    public string? HotspotKey { get; init; }
    public string? HotspotUnitId { get; init; }
    public string Status { get; init; } = "";
    public DateTime OpenedAt { get; init; }
    public string OpenedBy { get; init; } = "";
    public DateTime? CompletedAt { get; init; }
    public string CompletionNote { get; init; } = "";
    public DateTime? CancelledAt { get; init; }
    public string CancelReason { get; init; } = "";
    public int ClockRound { get; init; }
    public DateTime? BreachedAt { get; init; }
    public int EscalationLevel { get; init; }
    public DateTime? EnforcedAt { get; init; }
    public int? BeforeCount { get; init; }
    public int? AfterCount { get; init; }
    public long? CustomerCount { get; init; }
    public DateTime? EvaluatedAt { get; init; }
    public int Version { get; init; }
    public DateTime UpdatedAt { get; init; }
    public int LinkedCaseCount { get; init; }
    public Guid[] ComplaintIds { get; init; } = [];

    public RectificationStatus StatusValue => Enum.Parse<RectificationStatus>(Status);

    public string Etag => Version.ToString(CultureInfo.InvariantCulture);

    public TimeZoneInfo Zone => TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var z) ? z : Domain.TimeLimits.DeadlineCalculator.DefaultZone;

    /// <summary>The clock as the time-limit rules see it (stopped at completion or cancellation).</summary>
    public Domain.TimeLimits.CaseClock Clock(int? round = null, DateTimeOffset? dueAt = null) =>
        Rectifications.Clock(round ?? ClockRound, OpenedAt.AsUtc(), dueAt ?? DueAt.AsUtc(), (CompletedAt ?? CancelledAt)?.AsUtc());

    public Domain.TimeLimits.EnforcementRecord Record => new(EnforcedAt?.AsUtc(), BreachedAt?.AsUtc(), EscalationLevel);

    public Contracts.V1.Rectification ToContract(DateTimeOffset now)
    {
        var r = new Contracts.V1.Rectification
        {
            Id = Id.ToString(),
            OwnerUnitId = OwnerUnitId,
            Plan = Plan,
            DueDate = DateOnly.FromDateTime(DueDate).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            DueTime = DueAt.AsTimestamp(),
            Scope = new RectificationScope
            {
                UnitId = ScopeUnitId,
                Substations = { ScopeSubstations },
                Feeders = { ScopeFeeders },
                TransformerAreas = { ScopeTransformerAreas },
                Categories = { ScopeCategories.Select(Enum.Parse<Category>) },
                SubCategories = { ScopeSubCategories.Select(Enum.Parse<SubCategory>) },
            },
            TargetReductionPercent = TargetReductionPercent,
            EvaluationDays = EvaluationDays,
            Status = StatusValue,
            ComplaintIds = { ComplaintIds.Select(id => id.ToString()) },
            LinkedCaseCount = LinkedCaseCount,
            OpenedTime = OpenedAt.AsTimestamp(),
            OpenedBy = OpenedBy,
            CompletedTime = CompletedAt?.AsTimestamp(),
            CompletionNote = CompletionNote,
            CancelledTime = CancelledAt?.AsTimestamp(),
            CancelReason = CancelReason,
            Overdue = Rectifications.IsOverdue(DueAt.AsUtc(), CompletedAt?.AsUtc(), CancelledAt?.AsUtc(), now),
            BreachedTime = BreachedAt?.AsTimestamp(),
            EscalationLevel = EscalationLevel,
            Etag = Etag,
            UpdateTime = UpdatedAt.AsTimestamp(),
        };
        if (HotspotGrain is not null)
            r.Hotspot = new HotspotReference { Grain = Enum.Parse<RectificationGrain>(HotspotGrain), Key = HotspotKey ?? "", UnitId = HotspotUnitId ?? "" };
        if (EvaluatedAt is { } evaluated && CompletedAt is { } completed && BeforeCount is { } before && AfterCount is { } after)
        {
            var windows = EvaluationWindows.For(OpenedAt.AsUtc(), completed.AsUtc(), EvaluationDays);
            var outcome = RectificationEvaluation.Judge(before, after, TargetReductionPercent, CustomerCount ?? 0);
            r.Result = new RectificationResult
            {
                BeforeStartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(windows.BeforeStart),
                BeforeEndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(windows.BeforeEnd),
                AfterStartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(windows.AfterStart),
                AfterEndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(windows.AfterEnd),
                BeforeCount = outcome.BeforeCount,
                AfterCount = outcome.AfterCount,
                CustomerCount = outcome.CustomerCount,
                BeforePer10K = outcome.BeforePer10K,
                AfterPer10K = outcome.AfterPer10K,
                ChangePercent = outcome.ChangePercent,
                Met = outcome.Met,
                EvaluatedTime = evaluated.AsTimestamp(),
            };
        }
        return r;
    }
}
