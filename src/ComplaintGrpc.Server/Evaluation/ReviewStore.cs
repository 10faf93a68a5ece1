using ComplaintGrpc.Contracts.V1;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Server.Evaluation;

/// <summary>Where a case's staged review stands, read from its history (the append-only record of who approved):
/// the approvals the chain needed when the case was last submitted for review, and every approval since.</summary>
public static class ReviewStore
{
    public sealed record Progress(int ApprovalsNeeded, IReadOnlyList<(string Actor, string UnitId)> Approvals);

    public static async Task<Progress> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid caseId, CancellationToken ct)
    {
        var rows = (await connection.QueryAsync<(string Action, string Actor, string? Needed, string? UnitId)>(new CommandDefinition("""
            SELECT action, actor, details->>'approvals_needed', details->>'approver_unit_id'
            FROM complaint_events
            WHERE complaint_id = @caseId AND action IN (@submitted, @approved)
              AND sequence >= (SELECT max(sequence) FROM complaint_events WHERE complaint_id = @caseId AND action = @submitted)
            ORDER BY sequence
            """, new { caseId, submitted = nameof(CaseAction.ClosureSubmitted), approved = nameof(CaseAction.ClosureApproved) }, tx, cancellationToken: ct))).ToList();
        var needed = rows.Count > 0 && int.TryParse(rows[0].Needed, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 1;
        return new Progress(needed, [.. rows.Skip(1).Select(r => (r.Actor, r.UnitId ?? ""))]);
    }
}
