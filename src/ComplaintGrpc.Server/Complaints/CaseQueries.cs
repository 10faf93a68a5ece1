using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace ComplaintGrpc.Server.Complaints;

/// <summary>GetComplaint and ListComplaints. Lists are keyset-paged on the time-ordered id (newest first), so a
/// page costs the same on page 1 and page 10,000 and no row is skipped or repeated while cases are added.</summary>
public static class CaseQueries
{
    public const int MaxFilterValues = 20;

    public static DomainException CaseNotFound() => DomainException.NotFound("CASE_NOT_FOUND", "No such complaint case.");

    /// <summary>A case the caller may see, by id; a case outside their scope is NOT_FOUND, exactly like a missing one.</summary>
    public static async Task<Complaint> GetAsync(GetComplaintRequest request, Caller caller, NpgsqlDataSource db, CaseClocks clocks, CancellationToken ct)
    {
        var v = new RequestValidator();
        Guid id = default;
        if (request.Id.Length > 0 == request.CaseNumber.Length > 0)
            v.Add("id", "give exactly one of id or case_number");
        else if (request.Id.Length > 0)
            v.CaseId("id", request.Id, out id);
        else
            v.Text("case_number", request.CaseNumber, 32);
        v.ThrowIfInvalid();

        var scope = CaseScope.Of(caller);
        scope.Parameters.AddDynamicParams(new { id, request.CaseNumber });
        var found = await ReadAsync(db, clocks,
            $"SELECT {CaseRow.Columns} FROM complaints c WHERE {(request.Id.Length > 0 ? "c.id = @id" : "c.case_number = @CaseNumber")} AND {scope.Condition}",
            scope.Parameters, ct);
        return found.Count == 0 ? throw CaseNotFound() : found[0];
    }

    /// <summary>Whether a case exists within the caller's scope (for reads that do not return the case itself).</summary>
    public static async Task RequireVisibleAsync(Guid id, Caller caller, NpgsqlDataSource db, CancellationToken ct)
    {
        var scope = CaseScope.Of(caller);
        scope.Parameters.Add("id", id);
        await using var connection = await db.OpenConnectionAsync(ct);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                $"SELECT EXISTS (SELECT 1 FROM complaints c WHERE c.id = @id AND {scope.Condition})", scope.Parameters, cancellationToken: ct)))
            throw CaseNotFound();
    }

    /// <summary>Lists only cases within the caller's scope: the scope is one more condition of the same query.</summary>
    public static async Task<ListComplaintsResponse> ListAsync(ListComplaintsRequest request, Caller caller, NpgsqlDataSource db, CaseClocks clocks, CancellationToken ct)
    {
        var v = new RequestValidator()
            .Text("unit_id", request.UnitId, 64)
            .Text("handler_id", request.HandlerId, 64)
            .Text("customer_account_number", request.CustomerAccountNumber, 32)
            .Text("supply_unit", request.SupplyUnit, 64)
            .Text("substation", request.Substation, 64)
            .Text("feeder", request.Feeder, 64)
            .Text("transformer_area", request.TransformerArea, 64)
            .Check(request.MinRepeatCount >= 0, "min_repeat_count", "must not be negative")
            .Check(!request.IncludeSubUnits || request.UnitId.Length > 0, "include_sub_units", "needs unit_id");
        // Bounded filter complexity: a list filter takes at most MaxFilterValues values.
        v.Check(new[] { request.Statuses.Count, request.Categories.Count, request.Channels.Count, request.Levels.Count,
                request.SubCategories.Count, request.WarningRules.Count, request.OutageMatches.Count, request.SubCategoryCodes.Count, request.RequestKinds.Count }.Max() <= MaxFilterValues,
            "statuses", $"each list filter takes at most {MaxFilterValues} values");
        foreach (var s in request.SubCategories) v.Enum("sub_categories", s);
        foreach (var code in request.SubCategoryCodes)
            v.Identifier("sub_category_codes", code, Domain.ComplaintTaxonomy.CodePattern(), Domain.ComplaintTaxonomy.CodeRule);
        foreach (var w in request.WarningRules) v.Enum("warning_rules", w);
        foreach (var m in request.OutageMatches) v.Enum("outage_matches", m);
        foreach (var k in request.RequestKinds) v.Enum("request_kinds", k);
        foreach (var s in request.Statuses) v.Enum("statuses", s);
        foreach (var c in request.Categories) v.Enum("categories", c);
        foreach (var c in request.Channels) v.Enum("channels", c);
        foreach (var l in request.Levels) v.Enum("levels", l);
        if (request.ReceivedFrom is { } from && !Domain.Intake.ComplaintIntake.IsValidTimestamp(from)) v.Add("received_from", "is not a valid timestamp");
        if (request.ReceivedTo is { } to && !Domain.Intake.ComplaintIntake.IsValidTimestamp(to)) v.Add("received_to", "is not a valid timestamp");
        v.ThrowIfInvalid();
        var pageSize = PageToken.Size(request.PageSize);
        var fingerprint = PageToken.Fingerprint(request, r => { r.PageSize = 0; r.PageToken = ""; });
        var after = PageToken.Decode(request.PageToken, fingerprint);

        var scope = CaseScope.Of(caller);
        var where = new List<string> { scope.Condition };
        var p = scope.Parameters;
        void Filter(string clause, string name, object value) { where.Add(clause); p.Add(name, value); }
        // One value is an equality, not "= ANY(array)": PostgreSQL 15 can walk an index in id order for the equality, but
        // must collect and sort every match for an array, which at a million cases is the difference of 1 ms and 200 ms.
        var statuses = Names(request.Statuses);
        if (statuses.Length == 1) Filter("c.status = @status", "status", statuses[0]);
        else if (statuses.Length > 1) Filter("c.status = ANY(@statuses)", "statuses", statuses);
        if (request.UnitId.Length > 0 && request.IncludeSubUnits)
            // The subtree as CaseScope reads it: one prefix scan of units_path_prefix, then complaints_unit per unit.
            Filter("c.unit_id IN (SELECT unit_id FROM units WHERE path LIKE (SELECT path FROM units WHERE unit_id = @unitId) || '%')", "unitId", request.UnitId);
        else if (request.UnitId.Length > 0)
            Filter("c.unit_id = @unitId", "unitId", request.UnitId);
        if (request.HandlerId.Length > 0) Filter("c.handler_id = @handlerId", "handlerId", request.HandlerId);
        if (request.Categories.Count > 0) Filter("c.category = ANY(@categories)", "categories", Names(request.Categories));
        if (request.Channels.Count > 0) Filter("c.channel = ANY(@channels)", "channels", Names(request.Channels));
        if (request.Levels.Count > 0) Filter("c.level = ANY(@levels)", "levels", Names(request.Levels));
        if (request.ReceivedFrom is not null) Filter("c.received_at >= @receivedFrom", "receivedFrom", request.ReceivedFrom.ToDateTime());
        if (request.ReceivedTo is not null) Filter("c.received_at < @receivedTo", "receivedTo", request.ReceivedTo.ToDateTime());
        if (request.CustomerAccountNumber.Length > 0) Filter("c.customer_account_number = @account", "account", request.CustomerAccountNumber);
        if (request.SubCategories.Count > 0) Filter("c.sub_category = ANY(@subCategories)", "subCategories", Names(request.SubCategories));
        // The expression of complaints_sub_category_code: a case from before taxonomy versions has its code in sub_category.
        if (request.SubCategoryCodes.Count > 0)
            Filter("COALESCE(c.sub_category_code, c.sub_category) = ANY(@subCategoryCodes)", "subCategoryCodes", request.SubCategoryCodes.Distinct().ToArray());
        if (request.SupplyUnit.Length > 0) Filter("c.supply_unit = @supplyUnit", "supplyUnit", request.SupplyUnit);
        // Substation, feeder and transformer area are matched with the non-empty condition of their partial indexes, so those apply.
        if (request.Substation.Length > 0) Filter("c.substation = @substation AND c.substation <> ''", "substation", request.Substation);
        if (request.Feeder.Length > 0) Filter("c.feeder = @feeder AND c.feeder <> ''", "feeder", request.Feeder);
        if (request.TransformerArea.Length > 0)
            Filter("c.transformer_area = @transformerArea AND c.transformer_area <> ''", "transformerArea", request.TransformerArea);
        // Written as the partial indexes' own predicates (repeat_count > 0, warning_rules <> '{}') so the planner can use them.
        if (request.MinRepeatCount > 0) Filter("c.repeat_count > 0 AND c.repeat_count >= @minRepeatCount", "minRepeatCount", request.MinRepeatCount);
        if (request.WarnedOnly) where.Add("c.warning_rules <> '{}'");
        if (request.WarningRules.Count > 0)
            Filter("c.warning_rules <> '{}' AND c.warning_rules && @warningRules", "warningRules", Names(request.WarningRules));
        if (request.OutageMatches.Count > 0)
            Filter("c.outage_match IS NOT NULL AND c.outage_match = ANY(@outageMatches)", "outageMatches", Names(request.OutageMatches));
        if (request.RequestKinds.Count > 0) Filter("c.request_kind = ANY(@requestKinds)", "requestKinds", Names(request.RequestKinds));
        // Written as complaints_converted's own predicate so the planner can use it.
        if (request.ConvertedOnly) where.Add("c.converted_at IS NOT NULL");
        if (after is { } a) Filter("c.id < @after", "after", a);
        p.Add("limit", pageSize + 1);

        var page = await ReadAsync(db, clocks,
            $"SELECT {CaseRow.ListColumns} FROM complaints c WHERE {string.Join(" AND ", where)} ORDER BY c.id DESC LIMIT @limit", p, ct);

        var response = new ListComplaintsResponse();
        response.Complaints.AddRange(page.Take(pageSize));
        if (page.Count > pageSize)
            response.NextPageToken = PageToken.Encode(Guid.Parse(page[pageSize - 1].Id), fingerprint);
        return response;
    }

    /// <summary>The cases <paramref name="caseQuery"/> selects (columns <see cref="CaseRow.Columns"/>), with their
    /// clocks: both in one command, so one round trip to the database.</summary>
    private static async Task<List<Complaint>> ReadAsync(NpgsqlDataSource db, CaseClocks clocks, string caseQuery, DynamicParameters p, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(
            $"{caseQuery};\n{CaseClocksTable.SelectOf($"SELECT cases.id FROM ({caseQuery}) cases")}", p, cancellationToken: ct));
        var rows = (await results.ReadAsync<CaseRow>()).ToList();
        var clockRows = await results.ReadAsync<CaseClockRow>();
        return clocks.ToContracts(rows, clockRows);
    }

    private static string[] Names<T>(IEnumerable<T> values) where T : struct, System.Enum =>
        values.Select(x => x.ToString()).Distinct().ToArray();
}
