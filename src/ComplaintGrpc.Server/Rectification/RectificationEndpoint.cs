using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.Rectification;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage;
using ComplaintGrpc.Storage.Rectification;
using Dapper;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ComplaintGrpc.Server.Rectification;

/// <summary>
/// complaints.v1.RectificationService (整改). Every write locks the rectification row (<c>FOR UPDATE</c>) in one
/// transaction with its clock columns, so the worker's sweep (which skips locked rows) and a write never interleave.
/// Writes: administrators, and supervisors whose unit is the owner unit or above it; checked before the etag, so a
/// caller outside learns nothing from ABORTED. Reads: report readers within their unit's subtree (NOT_FOUND outside).
/// </summary>
public sealed class RectificationEndpoint(NpgsqlDataSource db, TimeProvider clock, IOptions<MilestoneOptions> milestones,
    IOptions<RectificationOptions> options) : RectificationService.RectificationServiceBase
{
    private const string Writers = "supervisor,admin";

    [Authorize(Roles = Writers)]
    public override async Task<Contracts.V1.Rectification> OpenRectification(OpenRectificationRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var caller = Caller.Of(context);
        var now = clock.GetUtcNow().ToStoredPrecision();
        var open = OpenRequest.Validate(request);
        var hash = SHA256.HashData([.. request.ToByteArray(), .. Encoding.UTF8.GetBytes(caller.Subject)]);

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var owner = await UnitAsync(connection, tx, request.OwnerUnitId, "owner_unit_id", ct);
        await RequireWriterAsync(connection, tx, caller, request.OwnerUnitId, ct);
        // A retry is answered before the due date is judged against today: it may come after that day has passed.
        var existing = await connection.QuerySingleOrDefaultAsync<RectificationRow>(new CommandDefinition(
            $"SELECT {RectificationRow.Columns} {RectificationRow.From} WHERE r.request_id = @RequestId", new { request.RequestId }, tx, cancellationToken: ct));
        if (existing is not null)
            return Replay(existing, hash, now);
        if (Rectifications.DueDateProblem(open.DueDate, now, owner.Zone) is { } dueProblem)
            throw DomainException.Invalid("due_date", dueProblem);

        var scope = request.Scope ?? new RectificationScope();
        var scopeUnitId = scope.UnitId.Length > 0 ? scope.UnitId : request.Hotspot is { } h ? h.UnitId : request.OwnerUnitId;
        if (request.Hotspot is { } hotspot)
            await UnitAsync(connection, tx, hotspot.UnitId, "hotspot.unit_id", ct);
        await UnitAsync(connection, tx, scopeUnitId, "scope.unit_id", ct);
        var subCategories = scope.SubCategories.Select(s => s.ToString()).ToList();
        var linked = Array.Empty<Guid>();
        if (open.CaseIds.Count > 0)
        {
            linked = await SubstantiatedCasesAsync(connection, tx, caller, open.CaseIds, ct);
            if (scope.Categories.Count == 0 && subCategories.Count == 0)
                subCategories = [.. (await connection.QueryAsync<string>(new CommandDefinition(
                    "SELECT DISTINCT sub_category FROM complaints WHERE id = ANY(@linked) ORDER BY 1", new { linked }, tx, cancellationToken: ct)))];
        }

        var grid = (Substations: scope.Substations.ToList(), Feeders: scope.Feeders.ToList(), Areas: scope.TransformerAreas.ToList());
        switch (request.Hotspot?.Grain)
        {
            case RectificationGrain.Substation: grid.Substations.Add(request.Hotspot.Key); break;
            case RectificationGrain.Feeder: grid.Feeders.Add(request.Hotspot.Key); break;
            case RectificationGrain.TransformerArea: grid.Areas.Add(request.Hotspot.Key); break;
        }

        var id = Guid.CreateVersion7(now);
        var evaluationDays = request.EvaluationDays > 0 ? request.EvaluationDays : options.Value.EvaluationDays;
        var dueAt = Rectifications.DueAt(open.DueDate, owner.Zone);
        var next = Milestones.NextActionAt(Rectifications.Clock(1, now, dueAt, null), EnforcementRecord.None, now, milestones.Value);
        var inserted = await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO rectifications (id, request_id, request_hash, owner_unit_id, plan, due_date, due_at, target_reduction_percent,
                evaluation_days, scope_unit_id, scope_substations, scope_feeders, scope_transformer_areas, scope_categories,
                scope_sub_categories, hotspot_grain, hotspot_key, hotspot_unit_id, status, opened_at, opened_by, next_action_at, updated_at)
            VALUES (@id, @RequestId, @hash, @OwnerUnitId, @Plan, @dueDate, @dueAt, @TargetReductionPercent, @evaluationDays, @scopeUnitId,
                @substations, @feeders, @areas, @categories, @subCategories, @grain, @key, @hotspotUnit, 'Open', @now, @by, @next, @now)
            ON CONFLICT (request_id) DO NOTHING
            """,
            new
            {
                id, request.RequestId, hash, request.OwnerUnitId, request.Plan, dueDate = open.DueDate.ToDateTime(TimeOnly.MinValue),
                dueAt = dueAt.UtcDateTime, request.TargetReductionPercent, evaluationDays, scopeUnitId,
                substations = grid.Substations.Distinct().ToArray(), feeders = grid.Feeders.Distinct().ToArray(), areas = grid.Areas.Distinct().ToArray(),
                categories = scope.Categories.Select(c => c.ToString()).Distinct().ToArray(), subCategories = subCategories.Distinct().ToArray(),
                grain = request.Hotspot?.Grain.ToString(), key = request.Hotspot?.Key, hotspotUnit = request.Hotspot?.UnitId,
                now = now.UtcDateTime, by = caller.Actor, next = next?.UtcDateTime,
            }, tx, cancellationToken: ct));
        if (inserted == 0)
        {
            // A concurrent call with the same request_id committed first: answer as a retry.
            await tx.RollbackAsync(ct);
            await using var again = await db.OpenConnectionAsync(ct);
            return Replay(await again.QuerySingleAsync<RectificationRow>(new CommandDefinition(
                $"SELECT {RectificationRow.Columns} {RectificationRow.From} WHERE r.request_id = @RequestId", new { request.RequestId }, cancellationToken: ct)), hash, now);
        }

        if (request.Hotspot is not null)
        {
            // From a hotspot: the cases in the scope received in the "before" period are the ones it answers.
            await connection.ExecuteAsync(new CommandDefinition($"""
                INSERT INTO rectification_cases (rectification_id, complaint_id)
                SELECT r.id, c.id FROM rectifications r
                JOIN units su ON su.unit_id = r.scope_unit_id
                JOIN complaints c ON c.received_at >= r.opened_at - make_interval(hours => 24 * r.evaluation_days) AND c.received_at < r.opened_at
                JOIN units cu ON cu.unit_id = c.unit_id
                WHERE r.id = @id AND {RectificationScopeSql.Matches("r.scope", "su.path")}
                """, new { id }, tx, cancellationToken: ct));
        }
        else
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO rectification_cases (rectification_id, complaint_id) SELECT @id, unnest(@linked)
                """, new { id, linked }, tx, cancellationToken: ct));
        }
        var row = await LoadAsync(connection, tx, id, ct);
        await tx.CommitAsync(ct);
        return row.ToContract(now);
    }

    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task<Contracts.V1.Rectification> GetRectification(GetRectificationRequest request, ServerCallContext context)
    {
        var id = ParseId(request.Id);
        var ct = context.CancellationToken;
        var scopeUnit = ReadScope(Caller.Of(context));
        await using var connection = await db.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<RectificationRow>(new CommandDefinition($"""
            SELECT {RectificationRow.Columns} {RectificationRow.From}
            WHERE r.id = @id AND {InReadScope}
            """, new { id, scopeUnit }, cancellationToken: ct)) ?? throw NotFound();
        return row.ToContract(clock.GetUtcNow());
    }

    [Authorize(Roles = Roles.ReportReaders)]
    public override async Task<ListRectificationsResponse> ListRectifications(ListRectificationsRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().Identifier("unit_id", request.UnitId, RequestValidator.UnitIdPattern(), "a unit id", required: false);
        for (var i = 0; i < request.Statuses.Count; i++)
            v.Enum($"statuses[{i}]", request.Statuses[i]);
        v.ThrowIfInvalid();
        var size = PageToken.Size(request.PageSize);
        var fingerprint = PageToken.Fingerprint(request, r => { r.PageSize = 0; r.PageToken = ""; });
        var after = PageToken.Decode(request.PageToken, fingerprint);
        var ct = context.CancellationToken;
        var now = clock.GetUtcNow();
        var scopeUnit = ReadScope(Caller.Of(context));
        await using var connection = await db.OpenConnectionAsync(ct);
        var rows = (await connection.QueryAsync<RectificationRow>(new CommandDefinition($"""
            SELECT {RectificationRow.Columns} {RectificationRow.From}
            WHERE {InReadScope}
              AND (@unit::text IS NULL OR starts_with(u.path, (SELECT path FROM units WHERE unit_id = @unit)))
              AND (cardinality(@statuses::text[]) = 0 OR r.status = ANY(@statuses))
              AND (NOT @overdueOnly OR (r.status = 'Open' AND r.due_at <= @now))
              AND (@after::uuid IS NULL OR r.id < @after)
            ORDER BY r.id DESC LIMIT @limit
            """,
            new
            {
                scopeUnit, unit = request.UnitId.Length > 0 ? request.UnitId : null,
                statuses = request.Statuses.Select(s => s.ToString()).ToArray(), overdueOnly = request.OverdueOnly,
                now = now.UtcDateTime, after, limit = size + 1,
            }, cancellationToken: ct))).ToList();
        var page = rows.Take(size).ToList();
        return new ListRectificationsResponse
        {
            Rectifications = { page.Select(r => r.ToContract(now)) },
            NextPageToken = rows.Count > size ? PageToken.Encode(page[^1].Id, fingerprint) : "",
        };
    }

    [Authorize(Roles = Writers)]
    public override Task<Contracts.V1.Rectification> UpdateRectification(UpdateRectificationRequest request, ServerCallContext context)
    {
        var v = new RequestValidator()
            .Text("plan", request.Plan, Rectifications.PlanMaxLength, multiline: true)
            .Check(request.Plan.Length == 0 || !string.IsNullOrWhiteSpace(request.Plan), "plan", "must not be blank");
        DateOnly? dueDate = null;
        if (request.DueDate.Length > 0)
        {
            if (DateOnly.TryParseExact(request.DueDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                dueDate = d;
            else
                v.Add("due_date", "must be a date yyyy-MM-dd");
        }
        v.Check(request.Plan.Length > 0 || request.DueDate.Length > 0, "plan", "give a new plan, a new due_date, or both");
        return WriteAsync(request.Id, request.Etag, v, RectificationStep.Update, context, async (step, row) =>
        {
            var plan = request.Plan.Length > 0 ? request.Plan : row.Plan;
            if (dueDate is not { } due || DateOnly.FromDateTime(row.DueDate) == due)
            {
                return await step.ExecuteAsync("UPDATE rectifications SET plan = @plan WHERE id = @Id", new { plan, row.Id });
            }
            if (Rectifications.DueDateProblem(due, step.Now, row.Zone) is { } problem)
                throw DomainException.Invalid("due_date", problem);
            // A new due date is a new round of the clock: its breach and escalation start afresh, while reminders that
            // fell due before now count as given (they are not sent again for the old span).
            var dueAt = Rectifications.DueAt(due, row.Zone);
            var round = row.ClockRound + 1;
            var next = Milestones.NextActionAt(row.Clock(round, dueAt), new EnforcementRecord(step.Now, null, 0), step.Now, milestones.Value);
            return await step.ExecuteAsync("""
                UPDATE rectifications SET plan = @plan, due_date = @dueDate, due_at = @dueAt, clock_round = @round, breached_at = NULL,
                    escalation_level = 0, enforced_at = @now, next_action_at = @next
                WHERE id = @Id
                """, new { plan, dueDate = due.ToDateTime(TimeOnly.MinValue), dueAt = dueAt.UtcDateTime, round, now = step.Now.UtcDateTime, next = next?.UtcDateTime, row.Id });
        });
    }

    [Authorize(Roles = Writers)]
    public override Task<Contracts.V1.Rectification> CompleteRectification(CompleteRectificationRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().Text("note", request.Note, Rectifications.NoteMaxLength, multiline: true);
        return WriteAsync(request.Id, request.Etag, v, RectificationStep.Complete, context, (step, row) =>
            step.ExecuteAsync("""
                UPDATE rectifications SET status = 'Completed', completed_at = @now, completed_by = @by, completion_note = @Note,
                    evaluate_at = @now + make_interval(hours => 24 * evaluation_days), next_action_at = @next
                WHERE id = @Id
                """, new { now = step.Now.UtcDateTime, by = step.Caller.Actor, request.Note, next = StoppedNext(row, step.Now), row.Id }));
    }

    [Authorize(Roles = Writers)]
    public override Task<Contracts.V1.Rectification> CancelRectification(CancelRectificationRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().Text("reason", request.Reason, Rectifications.ReasonMaxLength, required: true, multiline: true);
        return WriteAsync(request.Id, request.Etag, v, RectificationStep.Cancel, context, (step, row) =>
            step.ExecuteAsync("""
                UPDATE rectifications SET status = 'Cancelled', cancelled_at = @now, cancelled_by = @by, cancel_reason = @Reason,
                    evaluate_at = NULL, next_action_at = @next
                WHERE id = @Id
                """, new { now = step.Now.UtcDateTime, by = step.Caller.Actor, request.Reason, next = StoppedNext(row, step.Now), row.Id }));
    }

    /// <summary>When the worker must look at a clock stopped now: at once when it ran past due with the breach not yet
    /// on record (the breach still goes on record), else never.</summary>
    private DateTime? StoppedNext(RectificationRow row, DateTimeOffset now)
    {
        var stopped = Rectifications.Clock(row.ClockRound, row.OpenedAt.AsUtc(), row.DueAt.AsUtc(), now);
        return Milestones.NextActionAt(stopped, row.Record, now, milestones.Value)?.UtcDateTime;
    }

    private sealed record WriteStep(NpgsqlConnection Connection, NpgsqlTransaction Transaction, Caller Caller, DateTimeOffset Now, CancellationToken Ct)
    {
        public Task<int> ExecuteAsync(string sql, object parameters) =>
            Connection.ExecuteAsync(new CommandDefinition(sql, parameters, Transaction, cancellationToken: Ct));
    }

    /// <summary>One write: validate, lock the row, check the caller's reach (PERMISSION_DENIED), the etag (ABORTED) and
    /// the status (FAILED_PRECONDITION), apply, bump the version, answer with the row as committed.</summary>
    private async Task<Contracts.V1.Rectification> WriteAsync(string rawId, string etag, RequestValidator v, RectificationStep kind,
        ServerCallContext context, Func<WriteStep, RectificationRow, Task<int>> apply)
    {
        var id = Guid.Empty;
        if (!Guid.TryParse(rawId, out id))
            v.Add("id", "must be a rectification id (a UUID)");
        v.Check(etag.Length > 0, "etag", "is required");
        v.ThrowIfInvalid();
        var ct = context.CancellationToken;
        var caller = Caller.Of(context);
        var now = clock.GetUtcNow().ToStoredPrecision();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<RectificationRow>(new CommandDefinition(
            $"SELECT {RectificationRow.Columns} {RectificationRow.From} WHERE r.id = @id FOR UPDATE OF r", new { id }, tx, cancellationToken: ct))
            ?? throw NotFound();
        await RequireWriterAsync(connection, tx, caller, row.OwnerUnitId, ct);
        if (etag != row.Etag)
            throw new DomainException(ErrorKind.Aborted, "ETAG_MISMATCH", "The rectification was changed by someone else since it was read; read it again and retry.");
        Rectifications.Require(row.StatusValue, kind);
        var step = new WriteStep(connection, tx, caller, now, ct);
        await apply(step, row);
        await step.ExecuteAsync("UPDATE rectifications SET version = version + 1, updated_at = @now WHERE id = @id", new { now = now.UtcDateTime, id });
        var written = await LoadAsync(connection, tx, id, ct);
        await tx.CommitAsync(ct);
        return written.ToContract(now);
    }

    private static async Task<RectificationRow> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid id, CancellationToken ct) =>
        await connection.QuerySingleAsync<RectificationRow>(new CommandDefinition(
            $"SELECT {RectificationRow.Columns} {RectificationRow.From} WHERE r.id = @id", new { id }, tx, cancellationToken: ct));

    private static Contracts.V1.Rectification Replay(RectificationRow existing, byte[] hash, DateTimeOffset now) =>
        existing.RequestHash.AsSpan().SequenceEqual(hash)
            ? existing.ToContract(now)
            : throw new DomainException(ErrorKind.AlreadyExists, "REQUEST_ID_REUSED",
                $"request_id {existing.RequestId} was already used for rectification {existing.Id} with different content.");

    private sealed record UnitRow(string UnitId, string TimeZone)
    {
        public TimeZoneInfo Zone => TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var z) ? z : DeadlineCalculator.DefaultZone;
    }

    private static async Task<UnitRow> UnitAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string unitId, string field, CancellationToken ct) =>
        await connection.QuerySingleOrDefaultAsync<UnitRow>(new CommandDefinition(
            "SELECT unit_id, time_zone FROM units WHERE unit_id = @unitId", new { unitId }, tx, cancellationToken: ct))
        ?? throw new DomainException(ErrorKind.NotFound, "UNIT_NOT_FOUND", $"There is no unit {unitId} ({field}).",
            metadata: new Dictionary<string, string> { ["field"] = field });

    /// <summary>Administrators write any rectification; supervisors those whose owner unit is their unit or below it
    /// (a supervisor bound to no unit: any).</summary>
    private static async Task RequireWriterAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Caller caller, string ownerUnitId, CancellationToken ct)
    {
        if (caller.Is(Roles.Administrator))
            return;
        var inScope = caller.Is(Roles.Supervisor) && await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"SELECT coalesce({CaseScope.UnitInScope}, false)", new { unit = ownerUnitId, scopeUnit = caller.UnitId }, tx, cancellationToken: ct));
        if (!inScope)
            throw new DomainException(ErrorKind.PermissionDenied, "OUTSIDE_CALLER_SCOPE", "The owner unit is outside your unit's subtree.");
    }

    /// <summary>The linked cases must each exist within the caller's reach and be (partly) substantiated; every one that
    /// is not is named in one BadRequest.</summary>
    private static async Task<Guid[]> SubstantiatedCasesAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Caller caller,
        IReadOnlyList<Guid> ids, CancellationToken ct)
    {
        var scope = CaseScope.Of(caller);
        scope.Parameters.Add("ids", ids.ToArray());
        var found = (await connection.QueryAsync<(Guid Id, string CaseNumber, string Substantiation)>(new CommandDefinition(
            $"SELECT c.id, c.case_number, c.substantiation FROM complaints c WHERE c.id = ANY(@ids) AND {scope.Condition}",
            scope.Parameters, tx, cancellationToken: ct))).ToDictionary(c => c.Id);
        var v = new RequestValidator();
        for (var i = 0; i < ids.Count; i++)
        {
            if (!found.TryGetValue(ids[i], out var c))
                v.Add($"complaint_ids[{i}]", "is not a case within your reach");
            else if (c.Substantiation is not (nameof(Substantiation.Substantiated) or nameof(Substantiation.PartlySubstantiated)))
                v.Add($"complaint_ids[{i}]", $"case {c.CaseNumber} is not substantiated (its substantiation is {c.Substantiation})");
        }
        v.ThrowIfInvalid();
        return [.. ids];
    }

    /// <summary>Reads: administrators and auditors everything; supervisors and inspectors their unit's subtree.</summary>
    private static string? ReadScope(Caller caller) => caller.Is(Roles.Administrator) || caller.Is(Roles.Auditor) ? null : caller.UnitId;

    private const string InReadScope = "(@scopeUnit::text IS NULL OR starts_with(u.path, (SELECT path FROM units WHERE unit_id = @scopeUnit)))";

    private static Guid ParseId(string id) =>
        Guid.TryParse(id, out var g) ? g : throw DomainException.Invalid("id", "must be a rectification id (a UUID)");

    private static DomainException NotFound() =>
        DomainException.NotFound("RECTIFICATION_NOT_FOUND", "There is no such rectification within your reach.");

    /// <summary>An open request's checked values.</summary>
    private sealed record OpenRequest(DateOnly DueDate, IReadOnlyList<Guid> CaseIds)
    {
        public static OpenRequest Validate(OpenRectificationRequest r)
        {
            var v = new RequestValidator()
                .Identifier("request_id", r.RequestId, RequestValidator.RequestIdPattern(), "1-64 of A-Z a-z 0-9 . _ : -")
                .Identifier("owner_unit_id", r.OwnerUnitId, RequestValidator.UnitIdPattern(), "a unit id")
                .Text("plan", r.Plan, Rectifications.PlanMaxLength, required: true, multiline: true)
                .Check(r.TargetReductionPercent is >= 1 and <= 100, "target_reduction_percent", "must be 1-100")
                .Check(r.EvaluationDays == 0 || r.EvaluationDays is >= Rectifications.MinEvaluationDays and <= Rectifications.MaxEvaluationDays,
                    "evaluation_days", $"must be 0 (the default) or {Rectifications.MinEvaluationDays}-{Rectifications.MaxEvaluationDays}")
                .Check(r.Hotspot is null != (r.ComplaintIds.Count == 0), "hotspot", "give exactly one of hotspot or complaint_ids");
            if (!DateOnly.TryParseExact(r.DueDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var due))
                v.Add("due_date", "must be a date yyyy-MM-dd");
            if (r.Hotspot is { } h)
            {
                v.Enum("hotspot.grain", h.Grain)
                    .Text("hotspot.key", h.Key, 100, required: true)
                    .Identifier("hotspot.unit_id", h.UnitId, RequestValidator.UnitIdPattern(), "a unit id");
            }
            var ids = new List<Guid>();
            v.Check(r.ComplaintIds.Count <= Rectifications.MaxLinkedCases, "complaint_ids", $"at most {Rectifications.MaxLinkedCases} cases");
            for (var i = 0; i < r.ComplaintIds.Count && i < Rectifications.MaxLinkedCases; i++)
            {
                if (!Guid.TryParse(r.ComplaintIds[i], out var id))
                    v.Add($"complaint_ids[{i}]", "must be a case id (a UUID)");
                else if (ids.Contains(id))
                    v.Add($"complaint_ids[{i}]", "is listed twice");
                else
                    ids.Add(id);
            }
            if (r.Scope is { } s)
            {
                v.Identifier("scope.unit_id", s.UnitId, RequestValidator.UnitIdPattern(), "a unit id", required: false);
                GridList(v, "scope.substations", s.Substations);
                GridList(v, "scope.feeders", s.Feeders);
                GridList(v, "scope.transformer_areas", s.TransformerAreas);
                v.Check(s.Categories.Count <= Rectifications.MaxScopeEntries, "scope.categories", $"at most {Rectifications.MaxScopeEntries}")
                    .Check(s.SubCategories.Count <= Rectifications.MaxScopeEntries, "scope.sub_categories", $"at most {Rectifications.MaxScopeEntries}");
                for (var i = 0; i < s.Categories.Count; i++)
                    v.Enum($"scope.categories[{i}]", s.Categories[i]);
                for (var i = 0; i < s.SubCategories.Count; i++)
                    v.Enum($"scope.sub_categories[{i}]", s.SubCategories[i]);
            }
            v.ThrowIfInvalid();
            return new OpenRequest(due, ids);
        }

        private static void GridList(RequestValidator v, string field, Google.Protobuf.Collections.RepeatedField<string> values)
        {
            v.Check(values.Count <= Rectifications.MaxScopeEntries, field, $"at most {Rectifications.MaxScopeEntries}");
            for (var i = 0; i < values.Count && i < Rectifications.MaxScopeEntries; i++)
                v.Text($"{field}[{i}]", values[i], 100, required: true);
        }
    }
}
