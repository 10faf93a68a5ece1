using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Security;
using Dapper;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace ComplaintGrpc.Server.Evaluation;

/// <summary>考核: assessment points and "frequently complained about" lists, each one grouped query over the findings,
/// the quality verdicts and the history's breach records, restricted to a unit subtree by the materialised path.</summary>
public sealed partial class QualityEndpoint
{
    private const int MaxPeriodDays = 366;

    /// <summary>Every charge: (unit, department, post, person) with what it counts. Findings are each closed case's
    /// current finding (not set aside) as at now; breaches are charged to the case's unit and handler as they are now.</summary>
    private const string Charges = """
        WITH charges AS (
            SELECT f.responsible_unit_id AS unit_id, f.responsible_department_id AS department_id, f.responsible_post_id AS post_id,
                   f.responsible_staff_id AS person,
                   (f.outcome = 'Substantiated')::int AS s, (f.outcome = 'PartlySubstantiated')::int AS p, 0 AS o, 0 AS b
            FROM complaints c
            CROSS JOIN LATERAL (
                SELECT cf.* FROM case_findings cf
                WHERE cf.complaint_id = c.id
                  AND NOT EXISTS (SELECT 1 FROM finding_set_asides sa WHERE sa.complaint_id = cf.complaint_id AND sa.version = cf.version)
                ORDER BY cf.version DESC LIMIT 1) f
            WHERE c.status = 'Closed' AND c.closed_at >= @from AND c.closed_at < @to AND f.outcome IN ('Substantiated', 'PartlySubstantiated')
            UNION ALL
            SELECT q.reviewer_unit_id, NULL, NULL, q.reviewer, 0, 0, 1, 0
            FROM quality_queue q WHERE q.verdict = 'Overturned' AND q.verdict_at >= @from AND q.verdict_at < @to
            UNION ALL
            SELECT c.unit_id, NULL, NULL, c.handler_id, 0, 0, 0, 1
            FROM complaint_events e JOIN complaints c ON c.id = e.complaint_id
            WHERE e.action = 'ClockBreached' AND e.occurred_at >= @from AND e.occurred_at < @to)
        """;

    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task<ListAssessmentsResponse> ListAssessments(ListAssessmentsRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().Enum("grain", request.Grain);
        var start = Date(v, "period_start", request.PeriodStart);
        var end = Date(v, "period_end", request.PeriodEnd);
        v.Check(start is null || end is null || (end > start && end.Value.DayNumber - start.Value.DayNumber <= MaxPeriodDays), "period_end",
            $"must be after period_start and at most {MaxPeriodDays} days later");
        v.Identifier("root_unit_id", request.RootUnitId, RequestValidator.UnitIdPattern(), "a unit id", required: false).ThrowIfInvalid();
        var size = PageToken.Size(request.PageSize);
        var offset = Offset(request, request.PageToken, r => { r.PageSize = 0; r.PageToken = ""; });
        var zone = Domain.TimeLimits.DeadlineCalculator.DefaultZone;
        var points = assessment.Value;

        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        var root = await RootPathAsync(connection, request.RootUnitId, Caller.Of(context), context.CancellationToken);
        var subject = Subject(request.Grain);
        var rows = (await connection.QueryAsync<(string Subject, string UnitId, int S, int P, int O, int B, double Points)>(new CommandDefinition($"""
            {Charges}
            SELECT {subject}, min(ch.unit_id), sum(s)::int, sum(p)::int, sum(o)::int, sum(b)::int,
                   sum(s) * @ps + sum(p) * @pp + sum(o) * @po + sum(b) * @pb AS points
            FROM charges ch JOIN units u ON u.unit_id = ch.unit_id
            WHERE u.path LIKE @root || '%' AND {subject} IS NOT NULL
            GROUP BY {subject}
            ORDER BY points DESC, {subject}
            OFFSET @offset LIMIT @limit
            """,
            new
            {
                from = Local(start!.Value, zone), to = Local(end!.Value, zone), root,
                ps = points.Substantiated, pp = points.PartlySubstantiated, po = points.OverturnedFinding, pb = points.ClockBreach,
                offset, limit = size + 1,
            }, cancellationToken: context.CancellationToken))).ToList();
        return new ListAssessmentsResponse
        {
            Assessments =
            {
                rows.Take(size).Select(r => new Assessment
                {
                    SubjectId = r.Subject, UnitId = r.UnitId, Substantiated = r.S, PartlySubstantiated = r.P, OverturnedFindings = r.O,
                    ClockBreaches = r.B, Points = r.Points,
                }),
            },
            NextPageToken = rows.Count > size ? KeyPageToken.Encode((offset + size).ToString(CultureInfo.InvariantCulture),
                PageToken.Fingerprint(request, r => { r.PageSize = 0; r.PageToken = ""; })) : "",
        };
    }

    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task<ListFrequentlyComplainedResponse> ListFrequentlyComplained(ListFrequentlyComplainedRequest request, ServerCallContext context)
    {
        new RequestValidator()
            .Check(request.Grain is AssessmentGrain.Post or AssessmentGrain.Person, "grain", "must be ASSESSMENT_GRAIN_POST or ASSESSMENT_GRAIN_PERSON")
            .Check(request.MinSubstantiated >= 0, "min_substantiated", "must not be negative")
            .Check(request.WindowDays is >= 0 and <= MaxPeriodDays, "window_days", $"must be 0-{MaxPeriodDays}")
            .Identifier("root_unit_id", request.RootUnitId, RequestValidator.UnitIdPattern(), "a unit id", required: false)
            .ThrowIfInvalid();
        var size = PageToken.Size(request.PageSize);
        var offset = Offset(request, request.PageToken, r => { r.PageSize = 0; r.PageToken = ""; });
        var o = assessment.Value;
        var now = clock.GetUtcNow();
        var window = request.WindowDays > 0 ? request.WindowDays : o.FrequentWindowDays;
        var minimum = request.MinSubstantiated > 0 ? request.MinSubstantiated : o.FrequentMinimum;

        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        var root = await RootPathAsync(connection, request.RootUnitId, Caller.Of(context), context.CancellationToken);
        var subject = Subject(request.Grain);
        // At post grain each post carries the count of its typical cases in the library (not retired).
        var libraryCount = request.Grain == AssessmentGrain.Post
            ? $"(SELECT count(*)::int FROM library_cases l WHERE l.post_id = {subject} AND l.retired_at IS NULL)"
            : "0";
        var rows = (await connection.QueryAsync<(string Subject, string UnitId, int Count, int LibraryCount)>(new CommandDefinition($"""
            {Charges}
            SELECT {subject}, min(ch.unit_id), (sum(s) + sum(p))::int AS n, {libraryCount}
            FROM charges ch JOIN units u ON u.unit_id = ch.unit_id
            WHERE u.path LIKE @root || '%' AND {subject} IS NOT NULL
            GROUP BY {subject}
            HAVING sum(s) + sum(p) >= @minimum
            ORDER BY n DESC, {subject}
            OFFSET @offset LIMIT @limit
            """, new { from = (now - TimeSpan.FromDays(window)).UtcDateTime, to = now.UtcDateTime, root, minimum, offset, limit = size + 1 },
            cancellationToken: context.CancellationToken))).ToList();
        return new ListFrequentlyComplainedResponse
        {
            Subjects = { rows.Take(size).Select(r => new FrequentlyComplained { SubjectId = r.Subject, UnitId = r.UnitId, Substantiated = r.Count, LibraryCaseCount = r.LibraryCount }) },
            NextPageToken = rows.Count > size ? KeyPageToken.Encode((offset + size).ToString(CultureInfo.InvariantCulture),
                PageToken.Fingerprint(request, r => { r.PageSize = 0; r.PageToken = ""; })) : "",
        };
    }

    private static string Subject(AssessmentGrain grain) => grain switch
    {
        AssessmentGrain.Unit => "ch.unit_id",
        AssessmentGrain.Department => "ch.department_id",
        AssessmentGrain.Post => "ch.post_id",
        _ => "ch.person",
    };

    /// <summary>The subtree to report on: the requested unit (within the caller's own subtree), else the caller's unit,
    /// else everything ('/').</summary>
    private static async Task<string> RootPathAsync(Npgsql.NpgsqlConnection connection, string rootUnitId, Caller caller, CancellationToken ct)
    {
        var callerUnit = caller.Is(Roles.Administrator) || caller.Is(Roles.Auditor) ? null : caller.UnitId;
        var unit = rootUnitId.Length > 0 ? rootUnitId : callerUnit;
        if (unit is null)
            return "/";
        var path = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT path FROM units WHERE unit_id = @unit", new { unit }, cancellationToken: ct))
            ?? throw DomainException.NotFound("UNIT_NOT_FOUND", $"No unit {unit}.");
        if (callerUnit is not null)
        {
            var callerPath = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                "SELECT path FROM units WHERE unit_id = @callerUnit", new { callerUnit }, cancellationToken: ct)) ?? "/unknown-unit/";
            if (!path.StartsWith(callerPath, StringComparison.Ordinal))
                throw new DomainException(ErrorKind.PermissionDenied, "UNIT_OUTSIDE_CALLER_SCOPE", $"Unit {unit} is outside your unit's subtree.");
        }
        return path;
    }

    private static DateOnly? Date(RequestValidator v, string field, string value)
    {
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
            return d;
        v.Add(field, value.Length == 0 ? "is required" : "must be a date yyyy-MM-dd");
        return null;
    }

    private static DateTime Local(DateOnly date, TimeZoneInfo zone)
    {
        var local = date.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, zone.GetUtcOffset(local)).UtcDateTime;
    }

    private static int Offset<T>(T request, string token, Action<T> clearPaging) where T : Google.Protobuf.IMessage<T> =>
        token.Length == 0 ? 0
        : int.TryParse(KeyPageToken.Decode(request, token, clearPaging), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : throw DomainException.Invalid("page_token", "is not a token from this list with the same filters");
}
