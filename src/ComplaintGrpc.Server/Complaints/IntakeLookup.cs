using System.Text.Json;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Intake;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace ComplaintGrpc.Server.Complaints;

/// <summary>An earlier case of the same customer, as the intake lookup finds it.</summary>
public sealed record EarlierCase(Guid Id, string CaseNumber, Channel Channel, DateTime ReceivedAt, string[] MatchedOn)
{
    public RepeatLink ToContract() => new()
    {
        ComplaintId = Id.ToString(),
        CaseNumber = CaseNumber,
        Channel = Channel,
        ReceivedTime = ReceivedAt.AsTimestamp(),
        MatchedOn = { MatchedOn.Select(System.Enum.Parse<RepeatMatch>) },
    };
}

/// <summary>What intake reads before storing a case: its earlier cases (up to <see cref="IntakeLookup.MaxLinks"/>, newest
/// first, and how many there are in all), the hotspot counts and the supervisors of the receiving unit.</summary>
public sealed record IntakeFound(IReadOnlyList<EarlierCase> Earlier, int EarlierTotal, IntakeFacts Facts, IReadOnlyList<string> Supervisors);

/// <summary>
/// The reads of intake (重复投诉 and 预警) in one round trip, after the customer's locks (see below), each an indexed range scan: earlier cases by account number,
/// phone and address key over the repeat window (<c>complaints_{account,phone,address}_received</c>), cases on the feeder
/// and the transformer area over the hotspot window, counted only up to the rule's threshold so a busy feeder costs no
/// more than a quiet one, and the receiving unit's supervisors. The receiving unit is the submitting caller's unit, or,
/// for a caller bound to no unit, every top-level unit (whose supervisors see the cases not yet dispatched).
/// </summary>
public static class IntakeLookup
{
    /// <summary>A case stores links to at most this many earlier cases (the newest); repeat_count counts them all.</summary>
    public const int MaxLinks = 50;

    /// <summary>repeat_count counts at most this many earlier cases per identity (phone, account, address).</summary>
    public const int MaxCountedPerIdentity = 1000;

    /// <summary>The first key of the customer advisory locks (an arbitrary constant: no other advisory lock uses it).</summary>
    private const int CustomerLockClass = 95_598_011;

    public static async Task<IntakeFound> FindAsync(NpgsqlConnection connection, NpgsqlTransaction tx, SubmitComplaintRequest request,
        string phone, DateTimeOffset receivedAt, Caller caller, IntakeOptions options, CancellationToken ct)
    {
        var account = request.Customer.AccountNumber;
        var addressKey = WarningRules.AddressKey(request.Customer.Address);
        var location = request.Location ?? new GridLocation();
        var hotspot = options.Warnings.HotspotArea;
        const string window = "received_at >= @repeatFrom AND received_at <= @receivedAt";
        const string hotWindow = "received_at >= @hotFrom AND received_at <= @receivedAt";

        // Each identity's range scan stops after MaxCountedPerIdentity cases, newest first: a switchboard phone with
        // thousands of cases a month costs no more than an ordinary customer.
        const string newest = "ORDER BY received_at DESC LIMIT @perIdentity";
        var matches = new List<string> { $"(SELECT id, 'Phone' AS match FROM complaints WHERE customer_phone = @phone AND {window} {newest})" };
        if (account.Length > 0)
            matches.Add($"(SELECT id, 'AccountNumber' FROM complaints WHERE customer_account_number = @account AND customer_account_number <> '' AND {window} {newest})");
        if (addressKey.Length > 0)
            matches.Add($"(SELECT id, 'Address' FROM complaints WHERE customer_address_key = @addressKey AND customer_address_key <> '' AND {window} {newest})");
        var countFeeder = hotspot.Enabled && location.Feeder.Length > 0;
        var countArea = hotspot.Enabled && location.TransformerArea.Length > 0;
        var receiving = ReceivingUnits(caller);

        // One customer's submits take turns (a transaction-scoped lock per identity, in key order so two submits cannot
        // deadlock): the next one's lookup, a later statement with its own snapshot, sees the previous one's case, so
        // concurrent cases of one customer are linked exactly as if they had come one after another.
        var identities = new List<string> { "phone:" + phone };
        if (account.Length > 0) identities.Add("account:" + account);
        if (addressKey.Length > 0) identities.Add("address:" + addressKey);
        var sql = $"""
            SELECT count(*) FROM (SELECT pg_advisory_xact_lock({CustomerLockClass}, k)
                FROM (SELECT DISTINCT hashtext(i) AS k FROM unnest(@identities) i ORDER BY 1) keys) locked;
            SELECT e.id, e.case_number, e.channel, e.received_at, m.matched_on, count(*) OVER () AS total
            FROM (SELECT id, array_agg(match ORDER BY match) AS matched_on FROM ({string.Join("\nUNION ALL ", matches)}) u GROUP BY id) m
            JOIN complaints e ON e.id = m.id
            ORDER BY e.received_at DESC, e.id DESC
            LIMIT @maxLinks;
            SELECT {(countFeeder ? $"(SELECT count(*) FROM (SELECT 1 FROM complaints WHERE substation = @substation AND feeder = @feeder AND feeder <> '' AND {hotWindow} LIMIT @hotLimit) f)::int" : "0")} AS feeder_cases,
                   {(countArea ? $"(SELECT count(*) FROM (SELECT 1 FROM complaints WHERE feeder = @feeder AND transformer_area = @area AND transformer_area <> '' AND {hotWindow} LIMIT @hotLimit) a)::int" : "0")} AS area_cases,
                   ARRAY(SELECT handler_id FROM handlers WHERE role = 'Supervisor' AND active AND {receiving} ORDER BY handler_id) AS supervisors;
            """;
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(sql, new
        {
            phone,
            account,
            addressKey,
            receivedAt = receivedAt.UtcDateTime,
            repeatFrom = (receivedAt - options.RepeatWindow).UtcDateTime,
            hotFrom = (receivedAt - hotspot.Window).UtcDateTime,
            hotLimit = hotspot.MinCases,
            substation = location.Substation,
            feeder = location.Feeder,
            area = location.TransformerArea,
            callerUnit = caller.UnitId,
            maxLinks = MaxLinks,
            perIdentity = MaxCountedPerIdentity,
            identities = identities.ToArray(),
        }, tx, cancellationToken: ct));
        await results.ReadSingleAsync<long>();
        var earlier = (await results.ReadAsync<EarlierRow>()).ToList();
        var counts = await results.ReadSingleAsync<CountsRow>();
        var (feederCases, areaCases, supervisors) = (counts.FeederCases, counts.AreaCases, counts.Supervisors);
        var total = earlier.Count == 0 ? 0 : (int)earlier[0].Total;
        return new IntakeFound(
            [.. earlier.Select(e => new EarlierCase(e.Id, e.CaseNumber, e.Channel, e.ReceivedAt, e.MatchedOn))],
            total, new IntakeFacts(total, feederCases, areaCases), supervisors);
    }

    /// <summary>The receiving unit as a condition on <c>unit_id</c> (parameter <c>@callerUnit</c>).</summary>
    public static string ReceivingUnits(Caller caller) => caller.UnitId is null
        ? "unit_id IN (SELECT unit_id FROM units WHERE parent_unit_id IS NULL)"
        : "unit_id = @callerUnit";

    private sealed class EarlierRow
    {
        public Guid Id { get; init; }
        public string CaseNumber { get; init; } = "";
        public Channel Channel { get; init; }
        public DateTime ReceivedAt { get; init; }
        public string[] MatchedOn { get; init; } = [];
        public long Total { get; init; }
    }

    private sealed class CountsRow
    {
        public int FeederCases { get; init; }
        public int AreaCases { get; init; }
        public string[] Supervisors { get; init; } = [];
    }

    /// <summary>Stores a new case's links in one statement.</summary>
    public static Task InsertLinksAsync(NpgsqlConnection connection, NpgsqlTransaction tx, Guid caseId, IReadOnlyList<EarlierCase> earlier, CancellationToken ct) =>
        earlier.Count == 0
            ? Task.CompletedTask
            : connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO case_repeat_links (complaint_id, earlier_id, matched_on)
                SELECT @caseId, e.id, string_to_array(e.matched_on, ',') FROM unnest(@ids::uuid[], @matched::text[]) AS e(id, matched_on)
                """,
                new { caseId, ids = earlier.Select(e => e.Id).ToArray(), matched = earlier.Select(e => string.Join(',', e.MatchedOn)).ToArray() },
                tx, cancellationToken: ct));
}

/// <summary>Reads <see cref="CaseRow.RepeatLinksColumn"/>'s JSON into the contract's links.</summary>
public static class RepeatLinks
{
    private sealed record Stored(Guid Id, string Number, string Channel, long Received, string[] On);

    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    public static IEnumerable<RepeatLink> Parse(string? json) =>
        json is null
            ? []
            : (JsonSerializer.Deserialize<Stored[]>(json, Json) ?? []).Select(s => new RepeatLink
            {
                ComplaintId = s.Id.ToString(),
                CaseNumber = s.Number,
                Channel = System.Enum.Parse<Channel>(s.Channel),
                ReceivedTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddTicks(s.Received * 10)),
                MatchedOn = { s.On.Select(System.Enum.Parse<RepeatMatch>) },
            });
}
