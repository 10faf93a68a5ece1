using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.Storage;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Enum = System.Enum;

namespace ComplaintGrpc.Reporting;

/// <summary>
/// Computes the figures of a backlog report with set-based SQL (ops/README.md, "Backlog report", defines each figure).
/// <para>
/// The cases the report needs are gathered once into a temporary table: open now (partial index on received_at),
/// changed since the day began (index on updated_at) or received in the rate window (index on received_at). Only
/// those changed after the cut-off have their status, unit and handler at the cut-off replayed from their history
/// (the last lifecycle event before it, through the history's primary key); the rest are read as stored. Every count
/// is then one grouped query per figure family, rolled up the unit tree by the materialised path. C# only shapes
/// the aggregated rows into the contract message: it never loops over cases.
/// </para>
/// Run it inside a REPEATABLE READ transaction so that every figure sees the same snapshot.
/// </summary>
public static class BacklogReportQuery
{
    /// <summary>How far back working days are indexed for ageing; older cases fall in the top bucket anyway.</summary>
    private const int AgeingHorizonDays = 3660;

    /// <summary>How many clocks the report lists in <c>overdue</c> and in <c>due_soon</c> (the most overdue, the soonest
    /// due). The counts cover them all; the full overdue list is <see cref="OverdueClocks"/>. A bound, so the stored
    /// figures and the message do not grow with the backlog.</summary>
    public const int ListedAlerts = 100;

    public static async Task<(BacklogReport Report, bool CalendarCovered)> ComputeAsync(NpgsqlConnection connection, NpgsqlTransaction tx,
        ReportWindow window, WorkingDayCalendar calendar, int commandTimeoutSeconds, CancellationToken ct)
    {
        CommandDefinition Command(string sql, DynamicParameters parameters) =>
            new(sql, parameters, tx, commandTimeoutSeconds, cancellationToken: ct);
        var p = new DynamicParameters();
        p.Add("cutOff", window.CutOff.UtcDateTime);
        p.Add("dayStart", window.DayStart.UtcDateTime);
        p.Add("windowStart", window.RateWindowStart.UtcDateTime);
        p.Add("zone", window.Zone.Id);
        p.Add("reportDate", window.ReportDate.ToDateTime(TimeOnly.MinValue));
        // Working days counted from the horizon up to and including each day, by the calendar's own rule, so that a
        // case's age (working days after its receiving day up to the report date) is one subtraction in SQL.
        var ageFrom = window.ReportDate.AddDays(-AgeingHorizonDays);
        var workingDaysUpTo = new int[AgeingHorizonDays + 1];
        for (int i = 0, counted = 0; i <= AgeingHorizonDays; i++)
            workingDaysUpTo[i] = counted += calendar.IsWorkingDay(ageFrom.AddDays(i)) ? 1 : 0;
        p.Add("ageFrom", ageFrom.ToDateTime(TimeOnly.MinValue));
        p.Add("workingDaysUpTo", workingDaysUpTo);
        p.Add("reportDayOrdinal", workingDaysUpTo[^1]);
        p.Add("trendFrom", window.ReportDate.AddDays(1 - ReportWindow.TrendDays).ToDateTime(TimeOnly.MinValue));
        // History actions and clock names come from the contract's enums, never spelled in SQL.
        p.Add("workerActions", Names(CaseAction.ClockBreached, CaseAction.Escalated));
        p.Add("dispatched", nameof(CaseAction.DispatchedToUnit));
        p.Add("assigned", nameof(CaseAction.HandlerAssigned));
        p.Add("assignmentActions", Names(CaseAction.DispatchedToUnit, CaseAction.HandlerAssigned, CaseAction.AssignmentReturned));
        p.Add("dayActions", Names(CaseAction.Closed, CaseAction.Reopened, CaseAction.CallbackSatisfied, CaseAction.CallbackDissatisfied, CaseAction.Escalated));
        p.Add("closed", nameof(CaseAction.Closed));
        p.Add("reopenings", Names(CaseAction.Reopened, CaseAction.CallbackDissatisfied));
        p.Add("escalated", nameof(CaseAction.Escalated));
        p.Add("satisfied", nameof(CaseAction.CallbackSatisfied));
        p.Add("callbacks", Names(CaseAction.CallbackSatisfied, CaseAction.CallbackDissatisfied));
        p.Add("replyClock", nameof(ClockKind.Reply));
        p.Add("listed", ListedAlerts);

        // Hash joins and grouping over the open backlog in memory rather than on disk; one report at a time, so bounded.
        // No JIT: each statement runs once per report, and compiling it cost more (≈ 0.5 s at 1M cases) than it saved.
        await connection.ExecuteAsync(Command("SET LOCAL work_mem = '64MB'; SET LOCAL jit = off", p));
        await connection.ExecuteAsync(Command(GatherCases, p));
        await connection.ExecuteAsync(Command(GatherClocks, p));
        await connection.ExecuteAsync(Command(OwnFigures, p));

        var own = (await connection.QueryAsync<FigureRow>(Command(
            "SELECT coalesce(unit_id, '') AS unit_id, metric, key, n FROM report_own", p))).ToList();
        var subtree = (await connection.QueryAsync<FigureRow>(Command("""
            SELECT u.unit_id, o.metric, o.key, sum(o.n)::bigint AS n
            FROM report_own o
            JOIN units ou ON ou.unit_id = o.unit_id
            JOIN units u ON starts_with(ou.path, u.path)
            GROUP BY u.unit_id, o.metric, o.key
            """, p))).ToList();
        var units = (await connection.QueryAsync<UnitRow>(Command(
            "SELECT unit_id, name, coalesce(parent_unit_id, '') AS parent_unit_id, path, customer_count FROM units ORDER BY path", p))).ToList();
        var overdue = await connection.QueryAsync<AlertRow>(Command(
            Alerts("due_at <= @cutOff"), p));
        var dueSoon = await connection.QueryAsync<AlertRow>(Command(
            Alerts("due_at > @cutOff"), p));
        var trend = await connection.QueryAsync<TrendRow>(Command(Trend, p));
        var oldestOpen = await connection.ExecuteScalarAsync<DateTime?>(Command(
            "SELECT min((received_at AT TIME ZONE @zone)::date)::timestamp FROM report_cases WHERE status <> 'Closed'", p));

        var report = new BacklogReport
        {
            Total = Figures(own.GroupBy(r => (r.Metric, r.Key)).Select(g => new FigureRow { Metric = g.Key.Metric, Key = g.Key.Key, N = g.Sum(r => r.N) })),
            Undispatched = Figures(own.Where(r => r.UnitId.Length == 0)),
        };
        var ownByUnit = own.ToLookup(r => r.UnitId);
        var subtreeByUnit = subtree.ToLookup(r => r.UnitId);
        foreach (var u in units)
        {
            report.Units.Add(new UnitBacklog
            {
                UnitId = u.UnitId,
                Name = u.Name,
                ParentUnitId = u.ParentUnitId,
                Depth = u.Path.Count(ch => ch == '/') - 2,
                CustomerCount = u.CustomerCount,
                Own = Figures(ownByUnit[u.UnitId]),
                Subtree = Figures(subtreeByUnit[u.UnitId]),
            });
        }
        report.Overdue.AddRange(overdue.Select(a => a.ToAlert(window.CutOff)));
        report.DueSoon.AddRange(dueSoon.Select(a => a.ToAlert(window.CutOff)));
        report.Trend.AddRange(trend.Select(t => new TrendDay { Date = DateOnly.FromDateTime(t.Day).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), Received = (int)t.Received, Closed = (int)t.Closed }));
        Rank(report);

        var covered = true;
        if (oldestOpen is { } oldest)
        {
            for (var year = oldest.Year; year <= window.ReportDate.Year; year++)
                covered &= calendar.Covers(year);
        }
        report.Evaluation = await EvaluationReport.ComputeAsync(connection, tx, window, commandTimeoutSeconds, ct);
        report.Rectifications = await RectificationReport.ComputeAsync(connection, tx, window, commandTimeoutSeconds, ct);
        report.TopHotspots.AddRange(await Hotspots.HotspotSection.ComputeAsync(connection, tx, window, report.Units, commandTimeoutSeconds, ct));
        report.WarningsRaised.AddRange(await WarningReport.ComputeAsync(connection, tx, window, commandTimeoutSeconds, ct));
        report.OutageMatches = await OutageMatchReport.ComputeAsync(connection, tx, window, commandTimeoutSeconds, ct);
        return (report, covered);
    }

    private static string[] Names(params CaseAction[] actions) => [.. actions.Select(a => a.ToString())];

    /// <summary>The two top-10 lists, from the per-unit figures already computed (a sort over units, not cases).</summary>
    private static void Rank(BacklogReport report)
    {
        var rank = 0;
        foreach (var u in report.Units.Where(u => u.Own.OverdueClocks > 0).OrderByDescending(u => u.Own.OverdueClocks)
                     .ThenBy(u => u.UnitId, StringComparer.Ordinal).Take(10))
            report.TopOverdue.Add(new UnitRank { Rank = ++rank, UnitId = u.UnitId, UnitName = u.Name, Value = u.Own.OverdueClocks });
        rank = 0;
        foreach (var (u, value) in report.Units
                     .Where(u => u.CustomerCount > 0 && u.Subtree.ReceivedLast30Days > 0)
                     .Select(u => (u, value: u.Subtree.ReceivedLast30Days * 10_000.0 / u.CustomerCount))
                     .OrderByDescending(x => x.value).ThenBy(x => x.u.UnitId, StringComparer.Ordinal).Take(10))
        {
            report.TopPer10KCustomers.Add(new UnitRank
            {
                Rank = ++rank, UnitId = u.UnitId, UnitName = u.Name, Value = value,
                Complaints = u.Subtree.ReceivedLast30Days, CustomerCount = u.CustomerCount,
            });
        }
    }

    private static BacklogFigures Figures(IEnumerable<FigureRow> rows)
    {
        var f = new BacklogFigures { Ageing = new AgeingBuckets(), Flow = new DayFlow() };
        var n = rows.ToDictionary(r => (r.Metric, r.Key), r => (int)r.N);
        int Get(string metric, string key = "") => n.GetValueOrDefault((metric, key));
        f.Open = Get("open");
        f.ByStatus.AddRange(Enum.GetValues<CaseStatus>().Where(s => Get("status", s.ToString()) > 0).Select(s => new StatusCount { Status = s, Count = Get("status", s.ToString()) }));
        f.ByCategory.AddRange(Enum.GetValues<Category>().Where(s => Get("category", s.ToString()) > 0).Select(s => new CategoryCount { Category = s, Count = Get("category", s.ToString()) }));
        f.ByLevel.AddRange(Enum.GetValues<Level>().Where(s => Get("level", s.ToString()) > 0).Select(s => new LevelCount { Level = s, Count = Get("level", s.ToString()) }));
        f.ByChannel.AddRange(Enum.GetValues<Channel>().Where(s => Get("channel", s.ToString()) > 0).Select(s => new ChannelCount { Channel = s, Count = Get("channel", s.ToString()) }));
        f.Ageing.Under1 = Get("age", "0");
        f.Ageing.From1To2 = Get("age", "1-2");
        f.Ageing.From3To4 = Get("age", "3-4");
        f.Ageing.From5To9 = Get("age", "5-9");
        f.Ageing.From10 = Get("age", "10+");
        f.OverdueClocks = Get("overdue_clocks");
        f.OverdueCases = Get("overdue_cases");
        f.DueWithin24H = Get("due_24h");
        f.ReceivedLast30Days = Get("received_30d");
        f.Flow.Received = Get("received");
        f.Flow.Closed = Get("closed");
        f.Flow.Reopened = Get("reopened");
        f.Flow.Escalated = Get("escalated");
        f.Flow.OnTimeReply = Ratio(Get("reply_on_time"), Get("reply_judged"));
        f.Flow.Breached = Ratio(Get("breached_closed"), Get("closed"));
        f.Flow.CallbackSatisfied = Ratio(Get("callback_satisfied"), Get("callbacks"));
        return f;
    }

    private static Ratio Ratio(int numerator, int denominator) =>
        new() { Numerator = numerator, Denominator = denominator, Value = denominator == 0 ? 0 : (double)numerator / denominator };

    // The cases the report needs, each with its status, unit and handler as at the cut-off: those open now (the
    // covering partial index complaints_open_report, read index-only) and, disjoint from them, those closed now that
    // changed since the day began or were received in the rate window. Only a case changed after the cut-off is
    // replayed from its history (the lateral subqueries are gated on it, so the others cost no index probe). History
    // events of the worker (breach, escalation) are left out of the replay: they are back-dated to the due time and
    // carry the status the case had when the worker noticed, which may be later than the cut-off.
    private const string GatherCases = """
        DROP TABLE IF EXISTS report_cases;
        CREATE TEMP TABLE report_cases ON COMMIT DROP AS
        WITH wanted AS (
            SELECT id, case_number, channel, category, level, received_at, updated_at, status, unit_id, handler_id
            FROM complaints WHERE status <> 'Closed' AND received_at < @cutOff
            UNION ALL
            SELECT id, case_number, channel, category, level, received_at, updated_at, status, unit_id, handler_id
            FROM complaints WHERE status = 'Closed' AND received_at < @cutOff AND (updated_at >= @dayStart OR received_at >= @windowStart)
        )
        SELECT c.id, c.case_number, c.channel, c.category, c.level, c.received_at, c.updated_at >= @cutOff AS changed,
               CASE WHEN c.updated_at < @cutOff THEN c.status ELSE coalesce(s.to_status, 'Received') END AS status,
               CASE WHEN c.updated_at < @cutOff THEN c.unit_id ELSE d.unit_id END AS unit_id,
               CASE WHEN c.updated_at < @cutOff THEN c.handler_id ELSE h.handler_id END AS handler_id
        FROM wanted c
        LEFT JOIN LATERAL (
            SELECT e.to_status FROM complaint_events e
            WHERE c.updated_at >= @cutOff AND e.complaint_id = c.id AND e.occurred_at < @cutOff AND NOT (e.action = ANY(@workerActions))
            ORDER BY e.sequence DESC LIMIT 1) s ON true
        LEFT JOIN LATERAL (
            SELECT e.details->>'unit_id' AS unit_id FROM complaint_events e
            WHERE c.updated_at >= @cutOff AND e.complaint_id = c.id AND e.occurred_at < @cutOff AND e.action = @dispatched
            ORDER BY e.sequence DESC LIMIT 1) d ON true
        LEFT JOIN LATERAL (
            SELECT CASE WHEN e.action = @assigned THEN e.details->>'handler_id' END AS handler_id FROM complaint_events e
            WHERE c.updated_at >= @cutOff AND e.complaint_id = c.id AND e.occurred_at < @cutOff AND e.action = ANY(@assignmentActions)
            ORDER BY e.sequence DESC LIMIT 1) h ON true;
        ANALYZE report_cases;
        """;

    // The clocks of cases open and not suspended at the cut-off that were running then and fall due at most 24 hours
    // after it: all the overdue and due-soon figures need. Running at the cut-off = started before it and not stopped
    // before it. A clock not stopped now is read through the covering partial index case_clocks_running_due. A clock
    // stopped at or after the cut-off was stopped by a lifecycle write made then (a stop is never dated after its
    // write), which also moved its case's updated_at past the cut-off: so only the clocks of changed cases are looked
    // up for that half, by primary key.
    private const string GatherClocks = """
        DROP TABLE IF EXISTS report_clocks;
        CREATE TEMP TABLE report_clocks ON COMMIT DROP AS
        SELECT r.id, r.case_number, r.unit_id, k.clock, k.due_at
        FROM case_clocks k
        JOIN report_cases r ON r.id = k.complaint_id
        WHERE k.stopped_at IS NULL AND k.due_at <= @cutOff + interval '24 hours' AND k.started_at < @cutOff
          AND r.status NOT IN ('Closed', 'Suspended')
        UNION ALL
        SELECT r.id, r.case_number, r.unit_id, k.clock, k.due_at
        FROM report_cases r
        CROSS JOIN LATERAL (
            -- OFFSET 0 keeps this a lookup by primary key per changed case, rather than a scan of every clock.
            SELECT k.clock, k.due_at FROM case_clocks k
            WHERE k.complaint_id = r.id AND k.stopped_at >= @cutOff AND k.due_at <= @cutOff + interval '24 hours' AND k.started_at < @cutOff
            OFFSET 0) k
        WHERE r.changed AND r.status NOT IN ('Closed', 'Suspended');
        ANALYZE report_clocks;
        """;

    // Each figure per unit of the case (NULL: not dispatched), in long form (metric, key, n) so that one roll-up
    // query serves them all. The open cases are grouped in one pass (grouping sets), the clocks in another.
    private const string OwnFigures = """
        DROP TABLE IF EXISTS report_own;
        CREATE TEMP TABLE report_own ON COMMIT DROP AS
        WITH aged AS (
            -- Received before the horizon: no entry, a NULL age, the top bucket.
            SELECT r.unit_id, r.status, r.category, r.level, r.channel,
                   @reportDayOrdinal - (@workingDaysUpTo::int[])[((r.received_at AT TIME ZONE @zone)::date - @ageFrom::date) + 1] AS age
            FROM report_cases r
            WHERE r.status <> 'Closed'),
        open_cases AS (
            SELECT unit_id, status, category, level, channel,
                   CASE WHEN age IS NULL OR age >= 10 THEN '10+' WHEN age >= 5 THEN '5-9' WHEN age >= 3 THEN '3-4' WHEN age >= 1 THEN '1-2' ELSE '0' END AS age
            FROM aged),
        clock_cases AS (
            SELECT unit_id, count(*) FILTER (WHERE due_at <= @cutOff) AS overdue, count(*) FILTER (WHERE due_at > @cutOff) AS soon
            FROM report_clocks GROUP BY id, unit_id),
        clock_units AS (
            SELECT unit_id, sum(overdue)::bigint AS overdue_clocks, count(*) FILTER (WHERE overdue > 0) AS overdue_cases, sum(soon)::bigint AS due_24h
            FROM clock_cases GROUP BY unit_id),
        day_events AS (
            SELECT e.complaint_id, e.action, r.unit_id
            FROM complaint_events e
            JOIN report_cases r ON r.id = e.complaint_id
            WHERE e.action = ANY(@dayActions)
              AND e.occurred_at >= @dayStart AND e.occurred_at < @cutOff),
        closed_today AS (
            SELECT DISTINCT complaint_id AS id, unit_id FROM day_events WHERE action = @closed)
        SELECT unit_id,
               CASE WHEN GROUPING(status) = 0 THEN 'status' WHEN GROUPING(category) = 0 THEN 'category' WHEN GROUPING(level) = 0 THEN 'level'
                    WHEN GROUPING(channel) = 0 THEN 'channel' WHEN GROUPING(age) = 0 THEN 'age' ELSE 'open' END AS metric,
               coalesce(status, category, level, channel, age, '') AS key, count(*) AS n
        FROM open_cases
        GROUP BY GROUPING SETS ((unit_id), (unit_id, status), (unit_id, category), (unit_id, level), (unit_id, channel), (unit_id, age))
        UNION ALL SELECT c.unit_id, v.metric, '', v.n FROM clock_units c
                  CROSS JOIN LATERAL (VALUES ('overdue_clocks', c.overdue_clocks), ('overdue_cases', c.overdue_cases), ('due_24h', c.due_24h)) v(metric, n)
        UNION ALL SELECT unit_id, 'received', '', count(*) FROM report_cases WHERE received_at >= @dayStart GROUP BY unit_id
        UNION ALL SELECT unit_id, 'received_30d', '', count(*) FROM report_cases WHERE received_at >= @windowStart GROUP BY unit_id
        UNION ALL SELECT unit_id, 'closed', '', count(*) FROM closed_today GROUP BY unit_id
        UNION ALL SELECT unit_id, 'reopened', '', count(*) FROM day_events WHERE action = ANY(@reopenings) GROUP BY unit_id
        UNION ALL SELECT unit_id, 'escalated', '', count(DISTINCT complaint_id) FROM day_events WHERE action = @escalated GROUP BY unit_id
        UNION ALL SELECT unit_id, 'callback_satisfied', '', count(*) FROM day_events WHERE action = @satisfied GROUP BY unit_id
        UNION ALL SELECT unit_id, 'callbacks', '', count(*) FROM day_events WHERE action = ANY(@callbacks) GROUP BY unit_id
        UNION ALL SELECT t.unit_id, 'reply_judged', '', count(*) FROM closed_today t
                  JOIN case_clocks k ON k.complaint_id = t.id AND k.clock = @replyClock AND k.stopped_at < @cutOff GROUP BY t.unit_id
        UNION ALL SELECT t.unit_id, 'reply_on_time', '', count(*) FROM closed_today t
                  JOIN case_clocks k ON k.complaint_id = t.id AND k.clock = @replyClock AND k.stopped_at < @cutOff AND k.stopped_at < k.due_at
                  GROUP BY t.unit_id
        UNION ALL SELECT t.unit_id, 'breached_closed', '', count(*) FROM closed_today t
                  WHERE EXISTS (SELECT 1 FROM case_clocks k WHERE k.complaint_id = t.id AND k.stopped_at < @cutOff AND k.stopped_at >= k.due_at)
                  GROUP BY t.unit_id;
        """;

    // The first @listed of the clocks gathered above within a due range, in the report's order.
    private static string Alerts(string dueRange) => $"""
        SELECT r.id AS complaint_id, r.case_number, k.clock, coalesce(r.unit_id, '') AS unit_id, coalesce(u.name, '') AS unit_name,
               coalesce(r.handler_id, '') AS handler_id, coalesce(h.name, '') AS handler_name, r.level, r.category, r.status, k.due_at
        FROM (SELECT id, case_number, clock, due_at FROM report_clocks WHERE {dueRange} ORDER BY due_at, case_number, clock LIMIT @listed) k
        JOIN report_cases r ON r.id = k.id
        LEFT JOIN units u ON u.unit_id = r.unit_id
        LEFT JOIN handlers h ON h.handler_id = r.handler_id
        ORDER BY k.due_at, k.case_number, k.clock
        """;

    private const string Trend = """
        SELECT d AS day,
               (SELECT count(*) FROM complaints c
                WHERE c.received_at >= (d AT TIME ZONE @zone) AND c.received_at < ((d + interval '1 day') AT TIME ZONE @zone)) AS received,
               (SELECT count(DISTINCT e.complaint_id) FROM complaint_events e
                WHERE e.action = @closed AND e.occurred_at >= (d AT TIME ZONE @zone) AND e.occurred_at < ((d + interval '1 day') AT TIME ZONE @zone)) AS closed
        FROM generate_series(@trendFrom::timestamp, @reportDate::timestamp, interval '1 day') d
        ORDER BY d
        """;

    private sealed class FigureRow
    {
        public string UnitId { get; init; } = "";
        public string Metric { get; init; } = "";
        public string Key { get; init; } = "";
        public long N { get; init; }
    }

    private sealed class UnitRow
    {
        public string UnitId { get; init; } = "";
        public string Name { get; init; } = "";
        public string ParentUnitId { get; init; } = "";
        public string Path { get; init; } = "";
        public long CustomerCount { get; init; }
    }

    private sealed class TrendRow
    {
        public DateTime Day { get; init; }
        public long Received { get; init; }
        public long Closed { get; init; }
    }

    internal sealed class AlertRow
    {
        public Guid ComplaintId { get; init; }
        public string CaseNumber { get; init; } = "";
        public string Clock { get; init; } = "";
        public string UnitId { get; init; } = "";
        public string UnitName { get; init; } = "";
        public string HandlerId { get; init; } = "";
        public string HandlerName { get; init; } = "";
        public string Level { get; init; } = "";
        public string Category { get; init; } = "";
        public string Status { get; init; } = "";
        public DateTime DueAt { get; init; }

        /// <summary>The contract's alert, with overdue_by or due_in measured from <paramref name="cutOff"/>.</summary>
        public ClockAlert ToAlert(DateTimeOffset cutOff)
        {
            var due = DueAt.AsUtc();
            return new ClockAlert
            {
                ComplaintId = ComplaintId.ToString(),
                CaseNumber = CaseNumber,
                Clock = Enum.Parse<ClockKind>(Clock),
                UnitId = UnitId,
                UnitName = UnitName,
                HandlerId = HandlerId,
                HandlerName = HandlerName,
                Level = Enum.Parse<Level>(Level),
                Category = Enum.Parse<Category>(Category),
                Status = Enum.Parse<CaseStatus>(Status),
                DueTime = Timestamp.FromDateTimeOffset(due),
                OverdueBy = due <= cutOff ? Duration.FromTimeSpan(cutOff - due) : null,
                DueIn = due > cutOff ? Duration.FromTimeSpan(due - cutOff) : null,
            };
        }
    }
}
