using System.Text.Json;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Storage;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Server.Evaluation;

/// <summary>The SQL of <c>case_findings</c> and <c>case_finding_causes</c>: versions are inserted, never updated
/// (the tables refuse it), and the case's finding is its latest version.</summary>
public static class FindingStore
{
    /// <summary>Every version of a case's finding, oldest first.</summary>
    public static async Task<List<Finding>> ReadAllAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Guid caseId, CancellationToken ct)
    {
        var rows = (await connection.QueryAsync<FindingRow>(new CommandDefinition("""
            SELECT f.*, s.reason AS set_aside_reason, s.complaint_id IS NOT NULL AS set_aside
            FROM case_findings f LEFT JOIN finding_set_asides s ON s.complaint_id = f.complaint_id AND s.version = f.version
            WHERE f.complaint_id = @caseId ORDER BY f.version
            """, new { caseId }, tx, cancellationToken: ct))).ToList();
        var causes = (await connection.QueryAsync<(int Version, string CauseCode, string Note)>(new CommandDefinition(
            "SELECT version, cause_code, note FROM case_finding_causes WHERE complaint_id = @caseId ORDER BY version, cause_code",
            new { caseId }, tx, cancellationToken: ct))).ToLookup(c => c.Version);
        return rows.Select(r => r.ToContract(causes[r.Version].Select(c => new RootCauseFinding { CauseCode = c.CauseCode, Note = c.Note }))).ToList();
    }

    /// <summary>The case's finding among its versions: the latest one not set aside by quality sampling.</summary>
    public static Finding? Current(this IReadOnlyList<Finding> versions) => versions.LastOrDefault(v => !v.SetAside);

    /// <summary>Stores <paramref name="finding"/> as the case's next version and returns that version's number. Runs in
    /// the case's transaction with the case row locked, so two writers cannot take the same number.</summary>
    public static async Task<int> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid caseId, Finding finding,
        string recordedBy, string? recordedByUnitId, string? reviewerUnitId, DateTimeOffset now, string changeReason, CancellationToken ct)
    {
        var r = finding.Responsibility;
        var version = await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            INSERT INTO case_findings (complaint_id, version, outcome, basis, evidence, investigator_id, investigated_at,
                responsibility_class, responsible_unit_id, responsible_department_id, responsible_post_id, responsible_staff_id,
                recorded_by, reviewer_unit_id, recorded_by_unit_id, recorded_at, change_reason)
            SELECT @caseId, coalesce(max(version), 0) + 1, @outcome, @basis, @evidence::jsonb, @investigatorId, @investigatedAt,
                @responsibilityClass, NULLIF(@unitId, ''), NULLIF(@departmentId, ''), NULLIF(@postId, ''), NULLIF(@staffId, ''),
                @recordedBy, @reviewerUnitId, @recordedByUnitId, @now, @changeReason
            FROM case_findings WHERE complaint_id = @caseId
            RETURNING version
            """,
            new
            {
                caseId,
                outcome = finding.Outcome.ToString(),
                basis = finding.Basis,
                evidence = JsonSerializer.Serialize(finding.Evidence.Select(e => new EvidenceJson(e.AttachmentId, e.Kind, e.Description))),
                investigatorId = finding.InvestigatorId,
                investigatedAt = finding.InvestigatedTime.ToDateTime(),
                responsibilityClass = r?.ResponsibilityClass.ToString(),
                unitId = r?.UnitId ?? "",
                departmentId = r?.DepartmentId ?? "",
                postId = r?.PostId ?? "",
                staffId = r?.StaffId ?? "",
                recordedBy,
                reviewerUnitId,
                recordedByUnitId,
                now = now.UtcDateTime,
                changeReason,
            }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO case_finding_causes (complaint_id, version, cause_code, note)
            SELECT @caseId, @version, c.code, c.note FROM unnest(@codes::text[], @notes::text[]) AS c (code, note)
            """,
            new { caseId, version, codes = finding.RootCauses.Select(c => c.CauseCode).ToArray(), notes = finding.RootCauses.Select(c => c.Note).ToArray() },
            tx, cancellationToken: ct));
        return version;
    }

    /// <summary>The finding's references exist and fit together: every root cause is on the active list, the unit,
    /// department and post exist, the department belongs to the unit and the post to the department.</summary>
    public static async Task RequireReferencesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Finding finding, CancellationToken ct)
    {
        if (finding.RootCauses.Count > 0)
        {
            var codes = finding.RootCauses.Select(c => c.CauseCode).ToArray();
            var known = (await connection.QueryAsync<string>(new CommandDefinition(
                "SELECT code FROM root_causes WHERE code = ANY(@codes) AND active", new { codes }, tx, cancellationToken: ct))).ToHashSet();
            if (codes.FirstOrDefault(c => !known.Contains(c)) is { } unknown)
                throw new DomainException(ErrorKind.NotFound, "ROOT_CAUSE_NOT_FOUND", $"No active root cause {unknown}.",
                    metadata: new Dictionary<string, string> { ["cause_code"] = unknown });
        }
        if (finding.Responsibility is not { } r)
            return;
        if (r.UnitId.Length > 0 && !await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM units WHERE unit_id = @UnitId)", new { r.UnitId }, tx, cancellationToken: ct)))
            throw DomainException.NotFound("UNIT_NOT_FOUND", $"No unit {r.UnitId}.");
        if (r.DepartmentId.Length > 0)
        {
            var unit = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                "SELECT unit_id FROM departments WHERE department_id = @DepartmentId", new { r.DepartmentId }, tx, cancellationToken: ct))
                ?? throw DomainException.NotFound("DEPARTMENT_NOT_FOUND", $"No department {r.DepartmentId}.");
            if (unit != r.UnitId)
                throw new DomainException(ErrorKind.FailedPrecondition, "DEPARTMENT_NOT_IN_UNIT",
                    $"Department {r.DepartmentId} belongs to unit {unit}, not to {r.UnitId}.",
                    metadata: new Dictionary<string, string> { ["department_unit_id"] = unit, ["unit_id"] = r.UnitId });
        }
        if (r.PostId.Length > 0)
        {
            var department = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
                "SELECT department_id FROM posts WHERE post_id = @PostId", new { r.PostId }, tx, cancellationToken: ct))
                ?? throw DomainException.NotFound("POST_NOT_FOUND", $"No post {r.PostId}.");
            if (department != r.DepartmentId)
                throw new DomainException(ErrorKind.FailedPrecondition, "POST_NOT_IN_DEPARTMENT",
                    $"Post {r.PostId} belongs to department {department}, not to {r.DepartmentId}.",
                    metadata: new Dictionary<string, string> { ["post_department_id"] = department, ["department_id"] = r.DepartmentId });
        }
    }

    /// <summary>Who recorded the current version and the path of the unit they acted for (null: no finding yet).</summary>
    public static Task<(string RecordedBy, string ReviewerUnitPath)?> CurrentReviewerAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid caseId, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<(string, string)?>(new CommandDefinition("""
            SELECT f.recorded_by, coalesce(u.path, '/') FROM case_findings f LEFT JOIN units u ON u.unit_id = f.reviewer_unit_id
            WHERE f.complaint_id = @caseId
              AND NOT EXISTS (SELECT 1 FROM finding_set_asides s WHERE s.complaint_id = f.complaint_id AND s.version = f.version)
            ORDER BY f.version DESC LIMIT 1
            """, new { caseId }, tx, cancellationToken: ct));

    /// <summary>A unit's materialised path ('/province/city/.../unit/'); null when the unit does not exist.</summary>
    public static Task<string?> UnitPathAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string unitId, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT path FROM units WHERE unit_id = @unitId", new { unitId }, tx, cancellationToken: ct));

    private sealed record EvidenceJson(string AttachmentId, string Kind, string Description);

    private sealed class FindingRow
    {
        public int Version { get; init; }
        public Substantiation Outcome { get; init; }
        public string Basis { get; init; } = "";
        public string Evidence { get; init; } = "[]";
        public string InvestigatorId { get; init; } = "";
        public DateTime InvestigatedAt { get; init; }
        public ResponsibilityClass? ResponsibilityClass { get; init; }
        public string? ResponsibleUnitId { get; init; }
        public string? ResponsibleDepartmentId { get; init; }
        public string? ResponsiblePostId { get; init; }
        public string? ResponsibleStaffId { get; init; }
        public string RecordedBy { get; init; } = "";
        public string? RecordedByUnitId { get; init; }
        public DateTime RecordedAt { get; init; }
        public string ChangeReason { get; init; } = "";
        public bool SetAside { get; init; }
        public string? SetAsideReason { get; init; }

        public Finding ToContract(IEnumerable<RootCauseFinding> causes)
        {
            var f = new Finding
            {
                Version = Version,
                Outcome = Outcome,
                Basis = Basis,
                InvestigatorId = InvestigatorId,
                InvestigatedTime = InvestigatedAt.AsTimestamp(),
                RecordedBy = RecordedBy,
                RecordedByUnitId = RecordedByUnitId ?? "",
                RecordedTime = RecordedAt.AsTimestamp(),
                ChangeReason = ChangeReason,
                SetAside = SetAside,
                SetAsideReason = SetAsideReason ?? "",
                RootCauses = { causes },
            };
            f.Evidence.AddRange((JsonSerializer.Deserialize<List<EvidenceJson>>(Evidence) ?? [])
                .Select(e => new EvidenceReference { AttachmentId = e.AttachmentId, Kind = e.Kind, Description = e.Description }));
            if (ResponsibilityClass is { } rc)
                f.Responsibility = new Responsibility
                {
                    ResponsibilityClass = rc,
                    UnitId = ResponsibleUnitId ?? "",
                    DepartmentId = ResponsibleDepartmentId ?? "",
                    PostId = ResponsiblePostId ?? "",
                    StaffId = ResponsibleStaffId ?? "",
                };
            return f;
        }
    }
}
