using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.Lifecycle;
using ComplaintGrpc.Domain.TimeLimits;

namespace ComplaintGrpc.Bench;

public sealed class ComplaintRow
{
    public Guid Id { get; set; }
    public string CaseNumber { get; set; } = "";
    public string RequestId { get; set; } = "";
    public byte[] RequestHash { get; set; } = [];
    public Channel Channel { get; set; }
    public RequestKind RequestKind { get; set; }
    public Category Category { get; set; }
    public SubCategory SubCategory { get; set; }
    public Level Level { get; set; }
    public string CustomerAccountNumber { get; set; } = "";
    public string CustomerName { get; set; } = "";
    public string CustomerPhone { get; set; } = "";
    public string CustomerAddress { get; set; } = "";
    public CustomerClass CustomerClass { get; set; }
    public SiteClass SiteClass { get; set; }
    public string Description { get; set; } = "";
    public DateTime ReceivedAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public CaseState State { get; set; } = null!;
    public int Version { get; set; }
    public DateTime UpdatedAt { get; set; }
    public int HistoryLength { get; set; }
    public string SubmittedBy { get; set; } = "";
}

public sealed record EventRow(Guid ComplaintId, long Sequence, DateTime OccurredAt, string Actor, string Action, string FromStatus,
    string ToStatus, string Details);

public sealed record ClockRow(Guid ComplaintId, CaseClock Clock, DateTime? BreachedAt, int EscalationLevel, DateTime? NextActionAt,
    DateTime? EnforcedAt);

public sealed class GeneratedCase
{
    public required ComplaintRow Complaint { get; init; }
    public List<EventRow> Events { get; } = [];
    public List<ClockRow> Clocks { get; } = [];
}

/// <summary>How one case is made: the status it is driven to, and the instant up to which the worker has acted on its
/// clocks (milestones after it are left due, with next_action_at pointing at the first).</summary>
public sealed record CasePlan(DateTimeOffset ReceivedAt, CaseStatus Target, DateTimeOffset WorkerUpTo, Level? Level = null, bool Compact = false);

/// <summary>
/// Makes cases exactly as the server and the worker would have written them: each lifecycle step is the domain's own
/// <see cref="CaseLifecycle"/> transition, clocks follow <see cref="ClockPlan"/> under the default
/// <see cref="DeadlinePolicy"/> and the shipped calendar, and between steps the worker's enforcement is replayed with
/// <see cref="Milestones"/> (breach and escalation events in the history, breached_at and escalation_level on the clock,
/// next_action_at at the next milestone). history_length equals the number of events; version is 1 + lifecycle steps.
/// </summary>
public sealed class CaseGenerator(Organization org)
{
    private static readonly (SubCategory Sub, int Weight)[] SubCategories =
    [
        (SubCategory.StaffConduct, 8), (SubCategory.ServiceChannel, 3), (SubCategory.Integrity, 1), (SubCategory.NewConnection, 6),
        (SubCategory.UsageChange, 3), (SubCategory.MeterReading, 5), (SubCategory.TariffBilling, 10), (SubCategory.Metering, 6),
        (SubCategory.BusinessFees, 2), (SubCategory.Outage, 20), (SubCategory.RepairQuality, 8), (SubCategory.Reconnection, 4),
        (SubCategory.Voltage, 6), (SubCategory.FrequentOutage, 7), (SubCategory.ApplianceDamage, 3), (SubCategory.WorksConduct, 3),
        (SubCategory.LineEquipment, 4), (SubCategory.RuralGridUpgrade, 1),
    ];

    private static readonly (Channel Channel, string Intake, int Weight)[] Channels =
    [
        (Channel.Phone95598, "intake-95598", 70), (Channel.AppWeb, "intake-app", 15), (Channel.Regulator12398, "intake-12398", 5),
        (Channel.CityHotline12345, "intake-12345", 8), (Channel.Counter, "intake-counter", 2),
    ];

    private static readonly string[] Descriptions =
    [
        "客户反映所在小区昨晚起停电, 至今未恢复供电, 多次拨打电话无人处理, 要求尽快复电并说明原因。",
        "客户对本月电费金额有异议, 认为电表计量不准, 要求现场校验电能表。",
        "客户反映抢修人员到场后态度恶劣, 且未告知停电原因, 要求道歉。",
        "客户申请新装用电已超过承诺时限仍未送电, 影响正常经营, 要求加快办理。",
        "客户反映家中电压长期偏低, 空调无法启动, 要求整改。",
        "客户反映施工单位在其门前开挖后未恢复路面, 影响出行。",
    ];

    private readonly DeadlinePolicy _policy = DeadlinePolicy.Default;
    private readonly WorkingDayCalendar _calendar = WorkingDayCalendar.ChinaDefault();
    private readonly TimeZoneInfo _zone = DeadlineCalculator.DefaultZone;
    private readonly MilestoneOptions _milestones = new();
    private readonly double[] _stationCumulative = Cumulative(org.StationWeights);

    public GeneratedCase Generate(long number, CasePlan plan, Random rng)
    {
        var received = TruncateMicros(plan.ReceivedAt);
        var (channel, intake, _) = Pick(Channels, c => c.Weight, rng);
        var sub = Pick(SubCategories, s => s.Weight, rng).Sub;
        var level = plan.Level ?? PickLevel(rng);
        var customerClass = rng.NextDouble() switch { < 0.85 => CustomerClass.Residential, < 0.97 => CustomerClass.NonResidential, _ => CustomerClass.Important };
        var kind = rng.NextDouble() < 0.9 ? RequestKind.Complaint : RequestKind.Report;
        var created = received.AddSeconds(rng.Next(1, 60));
        var day = TimeZoneInfo.ConvertTime(received, _zone).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var requestId = $"seed-{number:D9}";
        var row = new ComplaintRow
        {
            Id = Guid.CreateVersion7(created),
            CaseNumber = "CP" + day + number.ToString(CultureInfo.InvariantCulture).PadLeft(6, '0'),
            RequestId = requestId,
            RequestHash = SHA256.HashData(Encoding.UTF8.GetBytes(requestId)),
            Channel = channel,
            RequestKind = kind,
            Category = Taxonomy.CategoryOf(sub)!.Value,
            SubCategory = sub,
            Level = level,
            CustomerAccountNumber = rng.NextDouble() < 0.9 ? "32" + rng.NextInt64(1_000_000_000, 9_999_999_999).ToString(CultureInfo.InvariantCulture) : "",
            CustomerName = "客户" + rng.Next(1, 99999).ToString(CultureInfo.InvariantCulture),
            CustomerPhone = "1" + rng.NextInt64(3_000_000_000, 9_999_999_999).ToString(CultureInfo.InvariantCulture),
            CustomerAddress = $"江苏省某市某区某路{rng.Next(1, 999)}号",
            CustomerClass = customerClass,
            SiteClass = rng.NextDouble() switch { < 0.6 => SiteClass.Urban, < 0.97 => SiteClass.Rural, _ => SiteClass.Remote },
            Description = Descriptions[rng.Next(Descriptions.Length)],
            ReceivedAt = received.UtcDateTime,
            CreatedAt = created.UtcDateTime,
            SubmittedBy = intake,
            Version = 1,
            UpdatedAt = created.UtcDateTime,
        };
        var result = new GeneratedCase { Complaint = row };
        var life = new Life(this, result, plan.WorkerUpTo, new CaseAttributes(channel, kind, level, customerClass));

        var state = new CaseState { Status = CaseStatus.Received, ReceivedAt = received, Level = level, CustomerClass = customerClass };
        life.Apply(new Transition(state with { Status = CaseStatus.Unspecified }, state, CaseAction.Submitted,
            new Dictionary<string, string> { ["case_number"] = row.CaseNumber }), created, intake, lifecycle: false);

        var station = PickStation(rng);
        var handler = $"{station.UnitId}-h{rng.Next(1, 4)}";
        var now = created;
        // Each step's instant; a step that would fall after the worker's horizon is not taken (the case stays where it is).
        bool Next(DateTimeOffset at)
        {
            at = TruncateMicros(at);
            if (at <= now) at = now.AddSeconds(30);
            if (at > plan.WorkerUpTo.AddMinutes(-1)) return false;
            now = at;
            return true;
        }
        DateTimeOffset Within(ClockKind clock, double from, double to)
        {
            var c = life.Clock(clock);
            var share = plan.Compact ? 0.05 : rng.NextDouble() < 0.04 ? 1.05 + rng.NextDouble() : from + rng.NextDouble() * (to - from);
            return c.StartedAt + (c.Deadline.DueAt - c.StartedAt) * share;
        }
        TimeSpan Gap(int minMinutes, int maxMinutes) => TimeSpan.FromMinutes(plan.Compact ? 1 : rng.Next(minMinutes, maxMinutes));

        var target = plan.Target;
        var steps = target switch
        {
            CaseStatus.Received => 0, CaseStatus.Dispatched => 1, CaseStatus.Assigned => 2, CaseStatus.Accepted => 3,
            CaseStatus.Contacted => 4, CaseStatus.Suspended => 4, CaseStatus.Replied => 5, CaseStatus.CalledBack => 6, _ => 7,
        };
        var dispatcher = "dispatch-desk";
        if (steps >= 1 && Next(Within(ClockKind.Dispatch, 0.1, 0.8)))
        {
            life.Apply(CaseLifecycle.DispatchToUnit(life.State, station.UnitId, ""), now, dispatcher);
            if (steps >= 2 && Next(now + Gap(3, 40)))
            {
                life.Apply(CaseLifecycle.AssignHandler(life.State, handler, ""), now, $"{station.UnitId}-head");
                if (steps >= 3 && Next(now + Gap(2, 30)))
                {
                    life.Apply(CaseLifecycle.AcceptAssignment(life.State), now, handler);
                    if (steps >= 4 && Next(Within(ClockKind.FirstContact, 0.2, 0.9)))
                    {
                        life.Apply(CaseLifecycle.RecordFirstContact(life.State, now, now, ""), now, handler);
                        if (target == CaseStatus.Suspended)
                        {
                            if (Next(now + Gap(60, 1440)))
                                life.Apply(CaseLifecycle.Suspend(life.State, "等待客户提供资料"), now, handler);
                        }
                        else
                        {
                            var rounds = rng.NextDouble() < 0.05 ? 2 : 1;
                            for (var round = 1; round <= rounds && steps >= 5; round++)
                            {
                                if (!Next(Within(ClockKind.Reply, 0.2, 0.9))) break;
                                life.Apply(CaseLifecycle.ReplyToCustomer(life.State, "已核实并处理, 已向客户答复处理结果。", now), now, handler);
                                if (steps < 6 || !Next(Within(ClockKind.Callback, 0.1, 0.8))) break;
                                var satisfied = round == rounds;
                                life.Apply(CaseLifecycle.RecordCallback(life.State, satisfied, satisfied ? rng.Next(4, 6) : rng.Next(1, 3), ""), now, "callback-desk");
                            }
                            if (steps >= 7 && life.State.Status == CaseStatus.CalledBack && Next(now + Gap(60, 1440)))
                                life.Apply(CaseLifecycle.Close(life.State, rng.NextDouble() < 0.6 ? Substantiation.Substantiated : Substantiation.Unsubstantiated,
                                    "", now), now, $"{station.UnitId}-head");
                        }
                    }
                }
            }
        }
        life.Finish();
        return result;
    }

    private SeedUnit PickStation(Random rng)
    {
        var x = rng.NextDouble() * _stationCumulative[^1];
        var i = Array.BinarySearch(_stationCumulative, x);
        return org.Stations[Math.Min(i < 0 ? ~i : i, org.Stations.Count - 1)];
    }

    private static Level PickLevel(Random rng) => rng.NextDouble() switch
    {
        < 0.85 => Level.Normal, < 0.95 => Level.Important, < 0.99 => Level.Major, _ => Level.Special,
    };

    private static T Pick<T>(T[] items, Func<T, int> weight, Random rng)
    {
        var x = rng.Next(items.Sum(weight));
        foreach (var item in items)
        {
            x -= weight(item);
            if (x < 0) return item;
        }
        return items[^1];
    }

    private static double[] Cumulative(double[] weights)
    {
        var result = new double[weights.Length];
        double sum = 0;
        for (var i = 0; i < weights.Length; i++) result[i] = sum += weights[i];
        return result;
    }

    /// <summary>PostgreSQL keeps microseconds; so must the seeded instants, or a re-read clock would differ.</summary>
    private static DateTimeOffset TruncateMicros(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % 10, TimeSpan.Zero);

    private static string Iso(DateTimeOffset t) => t.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>One case's life: its state, clocks and history, and each clock's row as server and worker leave it.</summary>
    private sealed class Life(CaseGenerator g, GeneratedCase target, DateTimeOffset workerUpTo, CaseAttributes attributes)
    {
        /// <summary>How long after a clock falls due the worker's sweep acts on it.</summary>
        private static readonly TimeSpan SweepLag = TimeSpan.FromSeconds(8);

        /// <summary>A clock's enforcement columns: the worker's record and next_action_at.</summary>
        private sealed record Watch(int Round, EnforcementRecord Record, DateTimeOffset? Next);

        private IReadOnlyList<CaseClock> _clocks = [];
        private readonly Dictionary<ClockKind, Watch> _watch = [];

        public CaseState State { get; private set; } = null!;

        public CaseClock Clock(ClockKind kind) => _clocks.First(c => c.Kind == kind);

        /// <summary>A lifecycle step as the server writes it (CaseClocks.ApplyAsync): a changed clock keeps its record
        /// in the same round (a new round starts from none but the enforced_at watermark) and gets next_action_at at
        /// its first milestone not on record; an unchanged clock is not written.</summary>
        public void Apply(Transition t, DateTimeOffset now, string actor, bool lifecycle = true)
        {
            Enforce(now);
            var limits = g._policy.LimitsFor(attributes with { Level = t.To.Level, CustomerClass = t.To.CustomerClass });
            var after = ClockPlan.Apply(_clocks, t, now, limits, g._calendar, g._zone);
            var changes = new Dictionary<string, string>(t.Details);
            foreach (var c in after)
            {
                var old = _clocks.FirstOrDefault(b => b.Kind == c.Kind);
                var watch = _watch.GetValueOrDefault(c.Kind);
                if (ClockChanges.Unchanged(old, c))
                    continue;
                var record = ClockChanges.RecordFor(c, watch?.Record, watch?.Round ?? 0);
                _watch[c.Kind] = new Watch(c.Round, record, Stored(Milestones.NextActionAt(c, record, now, g._milestones)));
                ClockChanges.Describe(old, c, now, changes);
            }
            _clocks = after;
            State = t.To;
            var complaint = target.Complaint;
            Append(now, actor, t.Action, t.From.Status, t.To.Status, changes);
            if (lifecycle)
            {
                complaint.Version++;
                complaint.UpdatedAt = now.UtcDateTime;
            }
        }

        /// <summary>The worker's sweeps up to <paramref name="until"/> (bounded by its horizon), as ClockEnforcement.Plan
        /// does them: each due clock, earliest first, acted on <see cref="SweepLag"/> after its next_action_at, with the
        /// milestones <see cref="Milestones.Pending"/> gives (breach and escalation events in the history), then its record
        /// (enforced_at = the sweep's now) and next_action_at from <see cref="Milestones.NextActionAt"/>.</summary>
        private void Enforce(DateTimeOffset until)
        {
            if (until > workerUpTo) until = workerUpTo;
            while (true)
            {
                var due = _clocks.Select(c => (Clock: c, Watch: _watch[c.Kind]))
                    .Where(x => x.Watch.Next is { } n && n + SweepLag <= until)
                    .OrderBy(x => x.Watch.Next).FirstOrDefault();
                if (due.Clock is null)
                    return;
                var (clock, w) = due;
                var now = TruncateMicros(w.Next!.Value + SweepLag);
                var breachedAt = w.Record.BreachedAt;
                var level = w.Record.EscalationLevel;
                foreach (var m in Milestones.Pending(clock, w.Record, now, g._milestones))
                {
                    if (m.Kind == MilestoneKind.Breach && breachedAt is null)
                    {
                        breachedAt = m.At;
                        Append(m.At, "system", CaseAction.ClockBreached, State.Status, State.Status, new Dictionary<string, string>
                        {
                            ["clock"] = clock.Kind.ToString(), ["round"] = clock.Round.ToString(CultureInfo.InvariantCulture),
                            ["due"] = Iso(clock.Deadline.DueAt), ["noticed_at"] = Iso(now),
                        });
                    }
                    if (!clock.IsRunning || m.Kind == MilestoneKind.Reminder)
                        continue;
                    level = m.EscalationLevel;
                    var chain = (State.UnitId is null ? "" : g.PathOf(State.UnitId)).Split('/', StringSplitOptions.RemoveEmptyEntries);
                    var index = chain.Length - level;
                    Append(m.At, "system", CaseAction.Escalated, State.Status, State.Status, new Dictionary<string, string>
                    {
                        ["clock"] = clock.Kind.ToString(), ["level"] = level.ToString(CultureInfo.InvariantCulture),
                        ["unit_id"] = index >= 0 && index < chain.Length ? chain[index] : "", ["noticed_at"] = Iso(now),
                    });
                }
                var record = new EnforcementRecord(now, breachedAt, level);
                _watch[clock.Kind] = w with { Record = record, Next = Stored(Milestones.NextActionAt(clock, record, now, g._milestones)) };
            }
        }

        public void Finish()
        {
            Enforce(workerUpTo);
            var complaint = target.Complaint;
            complaint.State = State;
            foreach (var clock in _clocks)
            {
                var w = _watch[clock.Kind];
                target.Clocks.Add(new ClockRow(complaint.Id, clock, w.Record.BreachedAt?.UtcDateTime, w.Record.EscalationLevel,
                    w.Next?.UtcDateTime, w.Record.EnforcedAt?.UtcDateTime));
            }
        }

        private void Append(DateTimeOffset at, string actor, CaseAction action, CaseStatus from, CaseStatus to, Dictionary<string, string> details)
        {
            var complaint = target.Complaint;
            complaint.HistoryLength++;
            target.Events.Add(new EventRow(complaint.Id, complaint.HistoryLength, at.UtcDateTime, actor, action.ToString(), from.ToString(), to.ToString(),
                JsonSerializer.Serialize(details)));
        }

        /// <summary>next_action_at as CaseClocksTable stores it: rounded up to the microsecond.</summary>
        private static DateTimeOffset? Stored(DateTimeOffset? at) =>
            at is { } t ? new DateTimeOffset(t.UtcTicks + (10 - t.UtcTicks % 10) % 10, TimeSpan.Zero) : null;
    }

    private readonly Dictionary<string, string> _paths = org.Units.ToDictionary(u => u.UnitId, u => u.Path);

    private string PathOf(string unitId) => _paths[unitId];
}
