using Dapper;
using Npgsql;

namespace ComplaintGrpc.Storage;

/// <summary>
/// Proof that a transaction holds the row locks of some cases. Every write to a case's clocks takes one, so the lock
/// order that keeps server and worker from deadlocking (the case row, then its clocks) is kept by the types rather
/// than by a comment: a clock can only be written by a transaction that already holds its case.
/// </summary>
public sealed class CaseLock
{
    private readonly HashSet<Guid> _held;

    internal CaseLock(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Guid> caseIds)
    {
        Connection = connection;
        Transaction = transaction;
        CaseIds = caseIds;
        _held = [.. caseIds];
    }

    public NpgsqlConnection Connection { get; }
    public NpgsqlTransaction Transaction { get; }
    public IReadOnlyList<Guid> CaseIds { get; }

    internal void Require(Guid caseId)
    {
        if (!_held.Contains(caseId))
            throw new InvalidOperationException($"Case {caseId} is not locked by this transaction; lock the case before its clocks.");
    }
}

/// <summary>The one place that locks <c>complaints</c> rows (<c>SELECT … FOR UPDATE</c>), for server steps and the
/// worker's deadline sweep alike.</summary>
public static class CaseLocks
{
    /// <summary>Locks one case if it also satisfies <paramref name="condition"/> (over alias <c>c</c>, e.g. the caller's
    /// scope) and returns its <paramref name="columns"/>; null when there is no such case or it is outside the condition.</summary>
    public static async Task<(CaseLock Lock, TRow Row)?> LockAsync<TRow>(NpgsqlConnection connection, NpgsqlTransaction tx,
        Guid caseId, string columns, string condition, DynamicParameters parameters, CancellationToken ct)
    {
        parameters.Add("lockCaseId", caseId);
        var row = await connection.QuerySingleOrDefaultAsync<TRow>(new CommandDefinition(
            $"SELECT {columns} FROM complaints c WHERE c.id = @lockCaseId AND {condition} FOR UPDATE OF c", parameters, tx, cancellationToken: ct));
        return row is null ? null : (new CaseLock(connection, tx, [caseId]), row);
    }

    /// <summary>Locks these cases, waiting for any transaction that holds one (in id order, so two such calls cannot deadlock).</summary>
    public static async Task<CaseLock> LockAsync(NpgsqlConnection connection, NpgsqlTransaction tx, IReadOnlyList<Guid> caseIds, CancellationToken ct)
    {
        var ids = (await connection.QueryAsync<Guid>(new CommandDefinition(
            "SELECT id FROM complaints WHERE id = ANY(@ids) ORDER BY id FOR UPDATE", new { ids = caseIds.ToArray() }, tx, cancellationToken: ct))).ToList();
        return new CaseLock(connection, tx, ids);
    }

    /// <summary>A case this transaction has just inserted: no other transaction can see it before the commit, so this
    /// one holds it.</summary>
    public static CaseLock Inserted(NpgsqlConnection connection, NpgsqlTransaction tx, Guid caseId) => new(connection, tx, [caseId]);

    /// <summary>
    /// Locks up to <paramref name="batch"/> cases that have a clock due by <paramref name="now"/> (the earliest due
    /// first, one range scan of the <c>next_action_at</c> index), skipping cases another transaction holds: a server step
    /// on the case, or another worker's batch. Such a case stays due and is taken by a later batch.
    /// </summary>
    public static async Task<CaseLock> ClaimDueAsync(NpgsqlConnection connection, NpgsqlTransaction tx, DateTimeOffset now,
        int batch, CancellationToken ct)
    {
        var ids = (await connection.QueryAsync<Guid>(new CommandDefinition("""
            SELECT c.id FROM complaints c
            WHERE c.id IN (SELECT k.complaint_id FROM case_clocks k
                           WHERE k.next_action_at <= @now ORDER BY k.next_action_at LIMIT @batch)
            FOR UPDATE OF c SKIP LOCKED
            """, new { now = now.UtcDateTime, batch }, tx, cancellationToken: ct))).ToList();
        return new CaseLock(connection, tx, ids);
    }
}
