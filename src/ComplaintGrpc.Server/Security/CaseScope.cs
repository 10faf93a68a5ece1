using Dapper;

namespace ComplaintGrpc.Server.Security;

/// <summary>
/// Which cases a caller may see, as one SQL condition on <c>complaints c</c>, applied inside every query that reads
/// or locks a case (never as a filter after the fact):
/// administrators and auditors see every case; supervisors and inspectors the cases dispatched into their unit's
/// subtree (and, when bound to an existing top-level unit or to none, the cases not yet dispatched; a token naming a
/// unit that does not exist sees nothing); handlers the cases
/// assigned to them; intake systems the cases they submitted. A caller with several roles sees the union.
/// </summary>
public sealed record CaseScope(string Condition, DynamicParameters Parameters)
{
    private const string Subtree = """
        c.unit_id IN (SELECT unit_id FROM units WHERE path LIKE (SELECT path FROM units WHERE unit_id = @scopeUnit) || '%')
        """;

    private const string Undispatched = """
        (c.unit_id IS NULL AND EXISTS (SELECT 1 FROM units WHERE unit_id = @scopeUnit AND parent_unit_id IS NULL))
        """;

    public static CaseScope Of(Caller caller)
    {
        var p = new DynamicParameters();
        p.Add("scopeSubject", caller.Subject);
        p.Add("scopeUnit", caller.UnitId);
        if (caller.Is(Roles.Administrator) || caller.Is(Roles.Auditor))
            return new CaseScope("true", p);

        var parts = new List<string>();
        if (caller.Is(Roles.Supervisor) || caller.Is(Roles.Inspector))
            parts.Add(caller.UnitId is null ? "true" : $"({Subtree} OR {Undispatched})");
        if (caller.Is(Roles.Handler))
            parts.Add("c.handler_id = @scopeSubject");
        if (caller.Is(Roles.Intake))
            parts.Add("c.submitted_by = @scopeSubject");
        return new CaseScope(parts.Count == 0 ? "false" : $"({string.Join(" OR ", parts)})", p);
    }

    /// <summary>Whether a unit is within the caller's subtree (for dispatching a case to it, or reading its inbox).</summary>
    public const string UnitInScope = """
        (@scopeUnit IS NULL OR (SELECT path FROM units WHERE unit_id = @unit) LIKE (SELECT path FROM units WHERE unit_id = @scopeUnit) || '%')
        """;
}
