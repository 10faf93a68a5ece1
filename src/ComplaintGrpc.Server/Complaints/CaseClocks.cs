using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Lifecycle;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.Storage;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ComplaintGrpc.Server.Complaints;

/// <summary>What a lifecycle step did to the case's clocks: the changes for the history entry, and the deadlines as
/// they now stand for the reply (built from the clocks just computed, not read back).</summary>
public sealed record ClockStep(IReadOnlyDictionary<string, string> Changes, IReadOnlyList<CaseDeadline> Deadlines);

/// <summary>
/// The clocks of cases in <c>case_clocks</c>: started, stopped, paused and re-graded with each lifecycle step (in the
/// step's transaction, under the case's lock), and shown on every <see cref="Complaint"/> read. Each written clock gets
/// the instant the worker must next look at it (<see cref="Milestones.NextActionAt"/>: its first milestone not yet on
/// record), so nothing becomes due merely because it was written. Server and worker must share
/// <c>TimeLimits:Milestones</c>, as they share the deadline policy.
/// </summary>
public sealed class CaseClocks(CalendarStore calendars, DeadlinePolicy policy, IOptions<MilestoneOptions> milestones, TimeProvider clock)
{
    /// <summary>Applies a lifecycle step to the case's clocks, writing every changed clock in one statement.</summary>
    public async Task<ClockStep> ApplyAsync(CaseLock held, CaseRow updated, Transition transition, DateTimeOffset now, CancellationToken ct)
    {
        // At submit the case has no clocks yet and no unit (so the default zone): nothing to read.
        var submitted = transition.Action == CaseAction.Submitted;
        var rows = submitted ? [] : await CaseClocksTable.LoadAsync(held.Connection, held.Transaction, [updated.Id], ct);
        var before = rows.ToDictionary(r => r.Kind);
        var calendar = await calendars.CurrentAsync(ct);
        var zone = submitted ? DeadlineCalculator.DefaultZone : await ZoneOfAsync(held.Connection, held.Transaction, updated.UnitId, ct);
        var limits = policy.LimitsFor(new CaseAttributes(updated.Channel, updated.RequestKind, transition.To.Level, transition.To.CustomerClass));
        var after = ClockPlan.Apply([.. rows.Select(r => r.ToClock())], transition, now, limits, calendar, zone);

        var changes = new Dictionary<string, string>();
        var writes = new List<ClockWrite>();
        var deadlines = new List<CaseDeadline>();
        foreach (var c in after)
        {
            var oldRow = before.GetValueOrDefault(c.Kind);
            var old = oldRow?.ToClock();
            var record = ClockChanges.RecordFor(c, oldRow?.Record, oldRow?.Round ?? 0);
            var deadline = ToContract(c, now);
            deadline.EscalationLevel = record.EscalationLevel;
            deadlines.Add(deadline);
            if (ClockChanges.Unchanged(old, c))
                continue;
            calendars.ReportUncovered(c.Deadline, $"the {c.Kind} clock of case {updated.CaseNumber}");
            writes.Add(new ClockWrite(updated.Id, c, Milestones.NextActionAt(c, record, now, milestones.Value)));
            ClockChanges.Describe(old, c, now, changes);
        }
        await CaseClocksTable.UpsertAsync(held, writes, ct);
        return new ClockStep(changes, deadlines);
    }

    /// <summary>The contract view of cases, deadlines attached (one query for all of them).</summary>
    public async Task<List<Complaint>> ToContractsAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, IReadOnlyList<CaseRow> rows, CancellationToken ct) =>
        ToContracts(rows, await CaseClocksTable.LoadAsync(connection, tx, [.. rows.Select(r => r.Id)], ct));

    /// <summary>The contract view of cases with the clocks already read for them.</summary>
    public List<Complaint> ToContracts(IReadOnlyList<CaseRow> rows, IEnumerable<CaseClockRow> clocks)
    {
        var clockRows = clocks.ToLookup(c => c.ComplaintId);
        var now = clock.GetUtcNow();
        return rows.Select(r =>
        {
            var complaint = r.ToContract();
            complaint.Deadlines.AddRange(clockRows[r.Id].OrderBy(c => c.Kind).Select(c => ToContract(c, now)));
            return complaint;
        }).ToList();
    }

    public async Task<Complaint> ToContractAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, CaseRow row, CancellationToken ct) =>
        (await ToContractsAsync(connection, tx, [row], ct))[0];

    public static CaseDeadline ToContract(CaseClock c, DateTimeOffset? now = null) => new()
    {
        Clock = c.Kind,
        DueTime = Timestamp.FromDateTimeOffset(c.Deadline.DueAt),
        Limit = c.Limit.ToString(),
        CalendarCovered = c.Deadline.CalendarCovered,
        StartedTime = Timestamp.FromDateTimeOffset(c.StartedAt),
        StoppedTime = c.StoppedAt is { } s ? Timestamp.FromDateTimeOffset(s) : null,
        Round = c.Round,
        Status = now is not { } n ? ClockStatus.Running
            : c.IsBreachedAt(n) ? ClockStatus.Breached
            : c.StoppedAt is not null ? ClockStatus.Met
            : c.SuspendedAt is not null ? ClockStatus.Suspended
            : ClockStatus.Running,
        Remaining = now is { } at ? Duration.FromTimeSpan(c.RemainingAt(at)) : null,
    };

    private static CaseDeadline ToContract(CaseClockRow row, DateTimeOffset now)
    {
        var deadline = ToContract(row.ToClock(), now);
        deadline.EscalationLevel = row.EscalationLevel;
        return deadline;
    }

    public static async Task<TimeZoneInfo> ZoneOfAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, string? unitId, CancellationToken ct)
    {
        if (unitId is null)
            return DeadlineCalculator.DefaultZone;
        var id = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT time_zone FROM units WHERE unit_id = @unitId", new { unitId }, tx, cancellationToken: ct));
        return id is null ? DeadlineCalculator.DefaultZone : TimeZoneInfo.FindSystemTimeZoneById(id);
    }

}
