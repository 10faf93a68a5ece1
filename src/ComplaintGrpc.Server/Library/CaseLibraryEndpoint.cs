using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.Evaluation;
using ComplaintGrpc.Domain.Library;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage;
using Dapper;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Npgsql;

namespace ComplaintGrpc.Server.Library;

/// <summary>
/// complaints.v1.CaseLibraryService (典型案例库). A promotion reads the closed case, its latest finding's post and root
/// causes and its customer in one transaction, checks the texts against that customer, and inserts the entry; the
/// complaint_id UNIQUE constraint makes a second promotion of the same case ALREADY_EXISTS, however close together.
/// Writers (promote, retire): administrators, and supervisors whose unit is the case's unit or above it; checked before
/// status and etag, so a caller outside learns nothing more. Reads: everyone; the case number and id for report readers.
/// </summary>
public sealed class CaseLibraryEndpoint(NpgsqlDataSource db, TimeProvider clock) : CaseLibraryService.CaseLibraryServiceBase
{
    private const string Writers = "supervisor,admin";
    private const int ReasonMaxLength = 1000;
    private const int SearchMaxLength = 100;

    [Authorize(Roles = Writers)]
    public override async Task<LibraryCase> PromoteCase(PromoteCaseRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().CaseId("complaint_id", request.ComplaintId, out var complaintId);
        foreach (var (field, text) in Texts(request))
            v.Text(field, text, Anonymisation.TextMaxLength, required: true, multiline: true);
        v.ThrowIfInvalid();
        var ct = context.CancellationToken;
        var caller = Caller.Of(context);
        var now = clock.GetUtcNow().ToStoredPrecision();

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var c = await connection.QuerySingleOrDefaultAsync<PromotedCase>(new CommandDefinition("""
            SELECT c.id, c.case_number, c.status, c.category, c.sub_category, c.unit_id,
                   (c.closed_at AT TIME ZONE u.time_zone)::date AS closed_on,
                   c.customer_name, c.customer_phone, c.customer_account_number, c.customer_address,
                   f.version AS finding_version, f.responsible_post_id AS post_id
            FROM complaints c
            LEFT JOIN units u ON u.unit_id = c.unit_id
            LEFT JOIN LATERAL (SELECT version, responsible_post_id FROM case_findings
                               WHERE complaint_id = c.id AND NOT EXISTS (SELECT 1 FROM finding_set_asides sa
                                   WHERE sa.complaint_id = c.id AND sa.version = case_findings.version)
                               ORDER BY version DESC LIMIT 1) f ON true
            WHERE c.id = @complaintId
            FOR UPDATE OF c
            """, new { complaintId }, tx, cancellationToken: ct))
            ?? throw DomainException.NotFound("COMPLAINT_NOT_FOUND", "There is no such case within your reach.");
        await RequireWriterAsync(connection, tx, caller, c.UnitId, notFound: true, ct);
        if (c.Status != nameof(CaseStatus.Closed) || c.ClosedOn is null || c.UnitId is null)
            throw new DomainException(ErrorKind.FailedPrecondition, "CASE_NOT_CLOSED", $"Case {c.CaseNumber} is not closed; only closed cases go into the library.");

        var customer = new CaseCustomer(c.CustomerName, c.CustomerPhone, c.CustomerAccountNumber, c.CustomerAddress);
        var anonymity = new RequestValidator();
        foreach (var (field, text) in Texts(request))
            if (Anonymisation.CustomerDataIn(text, customer) is { } problem)
                anonymity.Add(field, problem);
        anonymity.ThrowIfInvalid();

        var entryId = Guid.CreateVersion7(now);
        var inserted = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO library_cases (id, complaint_id, case_number, category, sub_category, unit_id, post_id, closed_on,
                summary, actions_taken, should_have_done, promoted_at, promoted_by)
            VALUES (@entryId, @complaintId, @CaseNumber, @Category, @SubCategory, @UnitId, @PostId, @ClosedOn,
                @summary, @actions, @should, @now, @by)
            ON CONFLICT (complaint_id) DO NOTHING
            """,
            new
            {
                entryId, complaintId = c.Id, c.CaseNumber, c.Category, c.SubCategory, c.UnitId, c.PostId, c.ClosedOn,
                summary = Anonymisation.MaskMobileNumbers(request.Summary), actions = Anonymisation.MaskMobileNumbers(request.ActionsTaken),
                should = Anonymisation.MaskMobileNumbers(request.ShouldHaveDone), now = now.UtcDateTime, by = caller.Actor,
            }, tx, cancellationToken: ct));
        if (inserted == 0)
            throw new DomainException(ErrorKind.AlreadyExists, "ALREADY_IN_LIBRARY", $"Case {c.CaseNumber} is already in the library.");
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO library_case_causes (library_case_id, cause_code)
            SELECT @entryId, cause_code FROM case_finding_causes WHERE complaint_id = @complaintId AND version = @FindingVersion
            """, new { entryId, complaintId = c.Id, c.FindingVersion }, tx, cancellationToken: ct));
        var row = await LoadAsync(connection, tx, entryId, ct);
        await tx.CommitAsync(ct);
        return row!.ToContract(SeesReferences(caller));
    }

    [Authorize(Roles = Roles.Everyone)]
    public override async Task<LibraryCase> GetLibraryCase(GetLibraryCaseRequest request, ServerCallContext context)
    {
        var id = ParseId(request.Id);
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        var row = await LoadAsync(connection, null, id, context.CancellationToken) ?? throw NotFound();
        return row.ToContract(SeesReferences(Caller.Of(context)));
    }

    [Authorize(Roles = Roles.Everyone)]
    public override async Task<ListLibraryCasesResponse> ListLibraryCases(ListLibraryCasesRequest request, ServerCallContext context)
    {
        new RequestValidator()
            .Enum("category", request.Category, required: false)
            .Enum("sub_category", request.SubCategory, required: false)
            .Identifier("cause_code", request.CauseCode, FindingRules.RootCauseCodePattern(), "a root cause code: 2-64 of a-z 0-9 _", required: false)
            .Identifier("unit_id", request.UnitId, RequestValidator.UnitIdPattern(), "a unit id", required: false)
            .Identifier("post_id", request.PostId, RequestValidator.UnitIdPattern(), "a post id", required: false)
            .Text("text", request.Text, SearchMaxLength)
            .ThrowIfInvalid();
        var size = PageToken.Size(request.PageSize);
        var fingerprint = PageToken.Fingerprint(request, r => { r.PageSize = 0; r.PageToken = ""; });
        var after = PageToken.Decode(request.PageToken, fingerprint);
        var ct = context.CancellationToken;
        await using var connection = await db.OpenConnectionAsync(ct);
        // The text is matched as a substring (ILIKE, its wildcards escaped): Chinese has no word breaks for full text.
        var rows = (await connection.QueryAsync<LibraryRow>(new CommandDefinition($"""
            SELECT {LibraryRow.Columns} FROM library_cases l
            WHERE (@includeRetired OR l.retired_at IS NULL)
              AND (@category::text IS NULL OR l.category = @category)
              AND (@subCategory::text IS NULL OR l.sub_category = @subCategory)
              AND (@cause::text IS NULL OR EXISTS (SELECT 1 FROM library_case_causes lc WHERE lc.library_case_id = l.id AND lc.cause_code = @cause))
              AND (@unit::text IS NULL OR l.unit_id IN (SELECT unit_id FROM units WHERE starts_with(path, (SELECT path FROM units WHERE unit_id = @unit))))
              AND (@post::text IS NULL OR l.post_id = @post)
              AND (@text::text IS NULL OR l.summary ILIKE '%' || @text || '%' ESCAPE '\')
              AND (@after::uuid IS NULL OR l.id < @after)
            ORDER BY l.id DESC LIMIT @limit
            """,
            new
            {
                includeRetired = request.IncludeRetired,
                category = request.Category == Category.Unspecified ? null : request.Category.ToString(),
                subCategory = request.SubCategory == SubCategory.Unspecified ? null : request.SubCategory.ToString(),
                cause = NullIfEmpty(request.CauseCode), unit = NullIfEmpty(request.UnitId), post = NullIfEmpty(request.PostId),
                text = string.IsNullOrWhiteSpace(request.Text) ? null : EscapeLike(request.Text.Trim()),
                after, limit = size + 1,
            }, cancellationToken: ct))).ToList();
        var page = rows.Take(size).ToList();
        var references = SeesReferences(Caller.Of(context));
        return new ListLibraryCasesResponse
        {
            Cases = { page.Select(r => r.ToContract(references)) },
            NextPageToken = rows.Count > size ? PageToken.Encode(page[^1].Id, fingerprint) : "",
        };
    }

    [Authorize(Roles = Writers)]
    public override async Task<LibraryCase> RetireLibraryCase(RetireLibraryCaseRequest request, ServerCallContext context)
    {
        var v = new RequestValidator()
            .Check(request.Etag.Length > 0, "etag", "is required")
            .Text("reason", request.Reason, ReasonMaxLength, required: true, multiline: true);
        if (!Guid.TryParse(request.Id, out var id))
            v.Add("id", "must be a library case id (a UUID)");
        v.ThrowIfInvalid();
        var ct = context.CancellationToken;
        var caller = Caller.Of(context);
        var now = clock.GetUtcNow().ToStoredPrecision();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<LibraryRow>(new CommandDefinition(
            $"SELECT {LibraryRow.Columns} FROM library_cases l WHERE l.id = @id FOR UPDATE", new { id }, tx, cancellationToken: ct)) ?? throw NotFound();
        await RequireWriterAsync(connection, tx, caller, row.UnitId, notFound: false, ct);
        if (request.Etag != row.Etag)
            throw new DomainException(ErrorKind.Aborted, "ETAG_MISMATCH", "The library case was changed by someone else since it was read; read it again and retry.");
        if (row.RetiredAt is not null)
            throw new DomainException(ErrorKind.FailedPrecondition, "LIBRARY_CASE_RETIRED", "The library case is already retired.");
        await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE library_cases SET retired_at = @now, retired_by = @by, retire_reason = @Reason, version = version + 1 WHERE id = @id
            """, new { now = now.UtcDateTime, by = caller.Actor, request.Reason, id }, tx, cancellationToken: ct));
        var written = await LoadAsync(connection, tx, id, ct);
        await tx.CommitAsync(ct);
        return written!.ToContract(SeesReferences(caller));
    }

    private static IEnumerable<(string Field, string Text)> Texts(PromoteCaseRequest r) =>
        [("summary", r.Summary), ("actions_taken", r.ActionsTaken), ("should_have_done", r.ShouldHaveDone)];

    private static bool SeesReferences(Caller caller) =>
        caller.Is(Roles.Supervisor) || caller.Is(Roles.Inspector) || caller.Is(Roles.Administrator) || caller.Is(Roles.Auditor);

    /// <summary>Administrators write any entry; supervisors those of cases of their unit or below it (a supervisor
    /// bound to no unit: any). A case outside the promoter's reach is NOT_FOUND, as every case read answers.</summary>
    private static async Task RequireWriterAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Caller caller, string? unitId, bool notFound, CancellationToken ct)
    {
        if (caller.Is(Roles.Administrator))
            return;
        var inScope = caller.Is(Roles.Supervisor) && unitId is not null && await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"SELECT coalesce({CaseScope.UnitInScope}, false)", new { unit = unitId, scopeUnit = caller.UnitId }, tx, cancellationToken: ct));
        if (!inScope)
            throw notFound
                ? DomainException.NotFound("COMPLAINT_NOT_FOUND", "There is no such case within your reach.")
                : new DomainException(ErrorKind.PermissionDenied, "OUTSIDE_CALLER_SCOPE", "The case's unit is outside your unit's subtree.");
    }

    private static async Task<LibraryRow?> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid id, CancellationToken ct) =>
        await connection.QuerySingleOrDefaultAsync<LibraryRow>(new CommandDefinition(
            $"SELECT {LibraryRow.Columns} FROM library_cases l WHERE l.id = @id", new { id }, tx, cancellationToken: ct));

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    private static string EscapeLike(string s) => s.Replace(@"\", @"\\", StringComparison.Ordinal)
        .Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);

    private static Guid ParseId(string id) =>
        Guid.TryParse(id, out var g) ? g : throw DomainException.Invalid("id", "must be a library case id (a UUID)");

    private static DomainException NotFound() =>
        DomainException.NotFound("LIBRARY_CASE_NOT_FOUND", "There is no such library case.");

    private sealed class PromotedCase
    {
        public Guid Id { get; init; }
        public string CaseNumber { get; init; } = "";
        public string Status { get; init; } = "";
        public string Category { get; init; } = "";
        public string SubCategory { get; init; } = "";
        public string? UnitId { get; init; }
        public DateTime? ClosedOn { get; init; }
        public string CustomerName { get; init; } = "";
        public string CustomerPhone { get; init; } = "";
        public string CustomerAccountNumber { get; init; } = "";
        public string CustomerAddress { get; init; } = "";
        public int? FindingVersion { get; init; }
        public string? PostId { get; init; }
    }

    private sealed class LibraryRow
    {
        public const string Columns = """
            l.*, ARRAY(SELECT lc.cause_code || '|' || rc.name FROM library_case_causes lc JOIN root_causes rc ON rc.code = lc.cause_code
                       WHERE lc.library_case_id = l.id ORDER BY lc.cause_code) AS causes
            """;

        public Guid Id { get; init; }
        public Guid ComplaintId { get; init; }
        public string CaseNumber { get; init; } = "";
        public string Category { get; init; } = "";
        public string SubCategory { get; init; } = "";
        public string UnitId { get; init; } = "";
        public string? PostId { get; init; }
        public DateTime ClosedOn { get; init; }
        public string Summary { get; init; } = "";
        public string ActionsTaken { get; init; } = "";
        public string ShouldHaveDone { get; init; } = "";
        public DateTime PromotedAt { get; init; }
        public string PromotedBy { get; init; } = "";
        public DateTime? RetiredAt { get; init; }
        public string RetireReason { get; init; } = "";
        public int Version { get; init; }
        public string[] Causes { get; init; } = [];

        public string Etag => Version.ToString(CultureInfo.InvariantCulture);

        public LibraryCase ToContract(bool references) => new()
        {
            Id = Id.ToString(),
            Category = Enum.Parse<Category>(Category),
            SubCategory = Enum.Parse<SubCategory>(SubCategory),
            UnitId = UnitId,
            PostId = PostId ?? "",
            Causes = { Causes.Select(c => c.Split('|', 2)).Select(p => new LibraryCause { Code = p[0], Name = p[1] }) },
            ClosedDate = DateOnly.FromDateTime(ClosedOn).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Summary = Summary,
            ActionsTaken = ActionsTaken,
            ShouldHaveDone = ShouldHaveDone,
            CaseNumber = references ? CaseNumber : "",
            ComplaintId = references ? ComplaintId.ToString() : "",
            PromotedTime = PromotedAt.AsTimestamp(),
            PromotedBy = PromotedBy,
            Retired = RetiredAt is not null,
            RetiredTime = RetiredAt?.AsTimestamp(),
            RetireReason = RetireReason,
            Etag = Etag,
        };
    }
}
