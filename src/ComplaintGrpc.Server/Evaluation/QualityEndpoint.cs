using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.Evaluation;
using ComplaintGrpc.Domain.Lifecycle;
using ComplaintGrpc.Server.Complaints;
using ComplaintGrpc.Storage;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Security;
using Dapper;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Npgsql;

namespace ComplaintGrpc.Server.Evaluation;

/// <summary>complaints.v1.QualityService: the configurable root-cause list findings choose from, and the quality queue
/// of sampled 不属实 findings (drawn weekly by the worker) with the inspectors' verdicts.</summary>
public sealed partial class QualityEndpoint(NpgsqlDataSource db, TimeProvider clock, CaseTransitions transitions,
    Microsoft.Extensions.Options.IOptions<AssessmentOptions> assessment) : QualityService.QualityServiceBase
{
    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task<ListQualityQueueResponse> ListQualityQueue(ListQualityQueueRequest request, ServerCallContext context)
    {
        var size = PageToken.Size(request.PageSize);
        var fingerprint = PageToken.Fingerprint(request, r => { r.PageSize = 0; r.PageToken = ""; });
        var after = PageToken.Decode(request.PageToken, fingerprint);
        var caller = Caller.Of(context);
        var scopeUnit = caller.Is(Roles.Administrator) || caller.Is(Roles.Auditor) ? null : caller.UnitId;
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        var rows = (await connection.QueryAsync<QueueRow>(new CommandDefinition($"""
            {QueueSelect}
            WHERE (@scopeUnit::text IS NULL OR c.unit_id IN (SELECT unit_id FROM units WHERE path LIKE (SELECT path FROM units WHERE unit_id = @scopeUnit) || '%'))
              AND (NOT @OpenOnly OR q.verdict IS NULL) AND (@after::uuid IS NULL OR q.entry_id < @after)
            ORDER BY q.entry_id DESC LIMIT @limit
            """, new { scopeUnit, request.OpenOnly, after, limit = size + 1 }, cancellationToken: context.CancellationToken))).ToList();
        var page = rows.Take(size).ToList();
        return new ListQualityQueueResponse
        {
            Entries = { page.Select(r => r.ToContract()) },
            NextPageToken = rows.Count > size ? PageToken.Encode(page[^1].EntryId, fingerprint) : "",
        };
    }

    [Authorize(Roles = Roles.Inspector)]
    public override async Task<QualityQueueEntry> RecordQualityVerdict(RecordQualityVerdictRequest request, ServerCallContext context)
    {
        var id = CaseTransitions.Validate(request.Id, request.Etag, v => v
            .Enum("verdict", request.Verdict)
            .Text("reason", request.Reason, CaseLifecycle.NoteMaxLength, required: true, multiline: true));
        var ct = context.CancellationToken;
        Guid entryId = default;
        await transitions.ApplyAsync(id, request.Etag, Caller.Of(context), async step =>
        {
            var state = step.Case.ToState();
            var overturn = request.Verdict == QualityVerdict.Overturned;
            CaseLifecycle.Require(state, overturn ? CaseAction.QualityOverturned : CaseAction.QualityConfirmed);
            var entry = await step.Connection.QuerySingleOrDefaultAsync<(Guid EntryId, int FindingVersion, string Reviewer, string? ReviewerUnitId)?>(
                new CommandDefinition("""
                    SELECT entry_id, finding_version, reviewer, reviewer_unit_id FROM quality_queue
                    WHERE complaint_id = @id AND verdict IS NULL ORDER BY week_start DESC LIMIT 1 FOR UPDATE
                    """, new { id }, step.Transaction, cancellationToken: ct))
                ?? throw new DomainException(ErrorKind.FailedPrecondition, "NOT_IN_QUALITY_QUEUE", "The case is not in the quality queue awaiting a verdict.");
            entryId = entry.EntryId;
            await step.Connection.ExecuteAsync(new CommandDefinition("""
                UPDATE quality_queue SET verdict = @verdict, verdict_reason = @Reason, inspector = @inspector, verdict_at = @now WHERE entry_id = @EntryId
                """, new { verdict = request.Verdict.ToString(), request.Reason, inspector = step.Caller.Actor, now = step.Now.UtcDateTime, entry.EntryId },
                step.Transaction, cancellationToken: ct));
            if (!overturn)
                return QualitySteps.Confirm(state, entry.FindingVersion, entry.Reviewer, request.Reason);
            await step.Connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO finding_set_asides (complaint_id, version, set_aside_at, set_aside_by, reason) VALUES (@id, @FindingVersion, @now, @by, @Reason)
                """, new { id, entry.FindingVersion, now = step.Now.UtcDateTime, by = step.Caller.Actor, request.Reason }, step.Transaction, cancellationToken: ct));
            return QualitySteps.Overturn(state, entry.FindingVersion, entry.Reviewer, entry.ReviewerUnitId ?? "", request.Reason);
        }, ct);
        await using var connection = await db.OpenConnectionAsync(ct);
        return (await connection.QuerySingleAsync<QueueRow>(new CommandDefinition($"{QueueSelect} WHERE q.entry_id = @entryId", new { entryId }, cancellationToken: ct))).ToContract();
    }

    private const string QueueSelect = """
        SELECT q.*, c.case_number, c.unit_id FROM quality_queue q JOIN complaints c ON c.id = q.complaint_id
        """;

    private sealed class QueueRow
    {
        public Guid EntryId { get; init; }
        public Guid ComplaintId { get; init; }
        public string CaseNumber { get; init; } = "";
        public string? UnitId { get; init; }
        public string CityUnitId { get; init; } = "";
        public DateTime WeekStart { get; init; }
        public QualityDrawReason Reason { get; init; }
        public DateTime DrawnAt { get; init; }
        public int FindingVersion { get; init; }
        public string Reviewer { get; init; } = "";
        public string? ReviewerUnitId { get; init; }
        public QualityVerdict? Verdict { get; init; }
        public string VerdictReason { get; init; } = "";
        public string? Inspector { get; init; }
        public DateTime? VerdictAt { get; init; }

        public QualityQueueEntry ToContract() => new()
        {
            EntryId = EntryId.ToString(),
            ComplaintId = ComplaintId.ToString(),
            CaseNumber = CaseNumber,
            UnitId = UnitId ?? "",
            CityUnitId = CityUnitId,
            WeekStart = DateOnly.FromDateTime(WeekStart).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Reason = Reason,
            DrawnTime = DrawnAt.AsTimestamp(),
            FindingVersion = FindingVersion,
            Reviewer = Reviewer,
            ReviewerUnitId = ReviewerUnitId ?? "",
            Verdict = Verdict ?? QualityVerdict.Unspecified,
            VerdictReason = VerdictReason,
            Inspector = Inspector ?? "",
            VerdictTime = VerdictAt is { } v ? v.AsTimestamp() : null,
        };
    }

    [Authorize(Roles = Roles.Everyone)]
    public override async Task<ListRootCausesResponse> ListRootCauses(ListRootCausesRequest request, ServerCallContext context)
    {
        var size = PageToken.Size(request.PageSize);
        var after = KeyPageToken.Decode(request, request.PageToken, ClearPaging);
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        var rows = (await connection.QueryAsync<(string Code, string Name, bool Active)>(new CommandDefinition(
            "SELECT code, name, active FROM root_causes WHERE (active OR @IncludeInactive) AND code > @after ORDER BY code LIMIT @limit",
            new { request.IncludeInactive, after, limit = size + 1 }, cancellationToken: context.CancellationToken))).ToList();
        var (page, next) = KeyPageToken.Page(rows, size, r => r.Code, request, ClearPaging);
        return new ListRootCausesResponse
        {
            RootCauses = { page.Select(r => new RootCause { Code = r.Code, Name = r.Name, Active = r.Active }) },
            NextPageToken = next,
        };

        static void ClearPaging(ListRootCausesRequest r) { r.PageSize = 0; r.PageToken = ""; }
    }

    [Authorize(Roles = Roles.Administrator)]
    public override async Task<RootCause> DefineRootCause(DefineRootCauseRequest request, ServerCallContext context)
    {
        var c = request.RootCause ?? throw DomainException.Invalid("root_cause", "is required");
        new RequestValidator()
            .Identifier("root_cause.code", c.Code, FindingRules.RootCauseCodePattern(), "2-64 of a-z 0-9 _")
            .Text("root_cause.name", c.Name, 100, required: true)
            .ThrowIfInvalid();
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO root_causes (code, name, active, updated_at) VALUES (@Code, @Name, @Active, @now)
            ON CONFLICT (code) DO UPDATE SET name = excluded.name, active = excluded.active, updated_at = excluded.updated_at
            """, new { c.Code, c.Name, c.Active, now = clock.GetUtcNow().UtcDateTime }, cancellationToken: context.CancellationToken));
        return c;
    }
}
