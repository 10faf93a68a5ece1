using System.Diagnostics;
using System.Text.Json;
using ComplaintGrpc.Contracts.V1;
using Npgsql;
using NpgsqlTypes;

namespace ComplaintGrpc.Bench;

/// <summary>
/// Writes units, handlers, cases, their history and clocks straight into the schema the server's migrations create, with
/// binary COPY. Foreign keys are not re-checked row by row (session_replication_role = replica): the generator makes
/// every reference exist, and the big load drops the secondary indexes and rebuilds them from their own definitions.
/// </summary>
public sealed class Seeder(NpgsqlDataSource db, Organization org)
{
    private long _nextNumber = 1;

    public async Task OrganizationAsync()
    {
        await using var connection = await db.OpenConnectionAsync();
        var created = DateTime.UtcNow.AddYears(-3);
        await using (var w = await connection.BeginBinaryImportAsync(
            "COPY units (unit_id, name, level, parent_unit_id, path, time_zone, customer_count, created_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var u in org.Units)
            {
                await w.StartRowAsync();
                await w.WriteAsync(u.UnitId);
                await w.WriteAsync(u.Name);
                await w.WriteAsync(u.Level.ToString());
                if (u.ParentUnitId is null) await w.WriteNullAsync(); else await w.WriteAsync(u.ParentUnitId);
                await w.WriteAsync(u.Path);
                await w.WriteAsync("Asia/Shanghai");
                await w.WriteAsync(u.CustomerCount);
                await w.WriteAsync(created, NpgsqlDbType.TimestampTz);
            }
            await w.CompleteAsync();
        }
        await using (var w = await connection.BeginBinaryImportAsync(
            "COPY handlers (handler_id, unit_id, name, email, active, created_at, role) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var h in org.Handlers)
            {
                await w.StartRowAsync();
                await w.WriteAsync(h.HandlerId);
                await w.WriteAsync(h.UnitId);
                await w.WriteAsync(h.Name);
                await w.WriteAsync("");
                await w.WriteAsync(true);
                await w.WriteAsync(created, NpgsqlDbType.TimestampTz);
                await w.WriteAsync(h.Role.ToString());
            }
            await w.CompleteAsync();
        }
    }

    /// <summary>A set of cases made to a plan (the sweep and enforcement sets); secondary indexes stay in place.</summary>
    public async Task<List<GeneratedCase>> CasesAsync(IReadOnlyList<CasePlan> plans, int seed)
    {
        var generator = new CaseGenerator(org);
        var rng = new Random(seed);
        var cases = plans.Select(p => generator.Generate(_nextNumber++, p, rng)).ToList();
        await CopyAsync(cases);
        await AdvanceCaseNumbersAsync();
        return cases;
    }

    /// <summary>
    /// <paramref name="count"/> cases received over the two years before <paramref name="now"/> (ids in time order, as
    /// UUIDv7 ids from live submits would be), about 18 % open (with the two sweep sets, 20 %): most recent cases are open, and a share of old ones were
    /// never finished (the overdue backlog). Returns the seconds taken.
    /// </summary>
    public async Task<double> BulkAsync(int count, DateTimeOffset now, Action<string> progress)
    {
        var watch = Stopwatch.StartNew();
        var indexes = await DropSecondaryIndexesAsync();
        var generator = new CaseGenerator(org);
        var start = now.AddDays(-730);
        var span = (now.AddMinutes(-10) - start).Ticks / (double)count;
        const int chunk = 20_000;
        var first = _nextNumber;
        _nextNumber += count;

        List<GeneratedCase> Make(int from)
        {
            var size = Math.Min(chunk, count - from);
            var result = new GeneratedCase[size];
            Parallel.For(0, 2, part =>
            {
                var rng = new Random(from * 2 + part + 17);
                for (var i = part; i < size; i += 2)
                {
                    var index = from + i;
                    var received = start.AddTicks((long)((index + rng.NextDouble()) * span));
                    var age = now - received;
                    var open = rng.NextDouble() < (age < TimeSpan.FromDays(30) ? 0.6 : 0.16);
                    var target = open ? OpenStatus(rng) : CaseStatus.Closed;
                    result[i] = generator.Generate(first + index, new CasePlan(received, target, now), rng);
                }
            });
            return [.. result];
        }

        var next = Task.Run(() => Make(0));
        for (var from = 0; from < count; from += chunk)
        {
            var cases = await next;
            if (from + chunk < count)
            {
                var f = from + chunk;
                next = Task.Run(() => Make(f));
            }
            await CopyAsync(cases);
            if ((from / chunk) % 10 == 9)
                progress($"seeded {from + cases.Count:N0} of {count:N0} cases ({watch.Elapsed.TotalSeconds:F0} s)");
        }
        progress($"rebuilding {indexes.Count} indexes ({watch.Elapsed.TotalSeconds:F0} s)");
        await using (var connection = await db.OpenConnectionAsync())
        {
            await using (var set = new NpgsqlCommand("SET maintenance_work_mem = '256MB'", connection))
                await set.ExecuteNonQueryAsync();
            foreach (var definition in indexes)
            {
                await using var create = new NpgsqlCommand(definition, connection) { CommandTimeout = 0 };
                await create.ExecuteNonQueryAsync();
            }
            progress($"vacuum analyze ({watch.Elapsed.TotalSeconds:F0} s)");
            foreach (var table in new[] { "complaints", "complaint_events", "case_clocks", "units", "handlers" })
            {
                await using var vacuum = new NpgsqlCommand($"VACUUM (ANALYZE) {table}", connection) { CommandTimeout = 0 };
                await vacuum.ExecuteNonQueryAsync();
            }
        }
        await AdvanceCaseNumbersAsync();
        return watch.Elapsed.TotalSeconds;
    }

    private static CaseStatus OpenStatus(Random rng) => rng.Next(100) switch
    {
        < 3 => CaseStatus.Received,
        < 10 => CaseStatus.Dispatched,
        < 18 => CaseStatus.Assigned,
        < 30 => CaseStatus.Accepted,
        < 65 => CaseStatus.Contacted,
        < 80 => CaseStatus.Replied,
        < 85 => CaseStatus.CalledBack,
        _ => CaseStatus.Suspended,
    };

    /// <summary>Case numbers come from case_number_seq; the server's next ones must not collide with seeded ones.</summary>
    private async Task AdvanceCaseNumbersAsync()
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("SELECT setval('case_number_seq', greatest($1, (SELECT last_value FROM case_number_seq)))", connection);
        cmd.Parameters.AddWithValue(_nextNumber + 1_000_000);
        await cmd.ExecuteScalarAsync();
        _nextNumber += 1_000_000;
    }

    private async Task<List<string>> DropSecondaryIndexesAsync()
    {
        await using var connection = await db.OpenConnectionAsync();
        var definitions = new List<(string Name, string Definition)>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = 'public' AND i.tablename IN ('complaints', 'complaint_events', 'case_clocks')
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """, connection))
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                definitions.Add((reader.GetString(0), reader.GetString(1)));
        foreach (var (name, _) in definitions)
        {
            await using var drop = new NpgsqlCommand($"DROP INDEX \"{name}\"", connection);
            await drop.ExecuteNonQueryAsync();
        }
        return [.. definitions.Select(d => d.Definition)];
    }

    private async Task CopyAsync(IReadOnlyList<GeneratedCase> cases)
    {
        await CopyComplaintsAsync(cases);
        await Task.WhenAll(CopyEventsAsync(cases), CopyClocksAsync(cases));
    }

    private async Task<NpgsqlConnection> OpenForLoadAsync()
    {
        var connection = await db.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("SET session_replication_role = replica", connection);
        await cmd.ExecuteNonQueryAsync();
        return connection;
    }

    private async Task CopyComplaintsAsync(IReadOnlyList<GeneratedCase> cases)
    {
        await using var connection = await OpenForLoadAsync();
        await using var w = await connection.BeginBinaryImportAsync("""
            COPY complaints (id, case_number, request_id, request_hash, channel, request_kind, category, sub_category, level, skip_level,
                skip_level_reason, confidential, customer_account_number, customer_name, customer_phone, customer_address, customer_class,
                site_class, supply_unit, substation, feeder, transformer_area, description, received_at, created_at, status, unit_id,
                handler_id, suspended_from, first_contact_at, reply_at, closed_at, reopen_count, callback_score, substantiation, version,
                updated_at, history_length, submitted_by) FROM STDIN (FORMAT BINARY)
            """);
        foreach (var g in cases)
        {
            var c = g.Complaint;
            var s = c.State;
            await w.StartRowAsync();
            await w.WriteAsync(c.Id, NpgsqlDbType.Uuid);
            await w.WriteAsync(c.CaseNumber);
            await w.WriteAsync(c.RequestId);
            await w.WriteAsync(c.RequestHash, NpgsqlDbType.Bytea);
            await w.WriteAsync(c.Channel.ToString());
            await w.WriteAsync(c.RequestKind.ToString());
            await w.WriteAsync(c.Category.ToString());
            await w.WriteAsync(c.SubCategory.ToString());
            await w.WriteAsync(s.Level.ToString());
            await w.WriteAsync(false);
            await w.WriteAsync("");
            await w.WriteAsync(false);
            await w.WriteAsync(c.CustomerAccountNumber);
            await w.WriteAsync(c.CustomerName);
            await w.WriteAsync(c.CustomerPhone);
            await w.WriteAsync(c.CustomerAddress);
            await w.WriteAsync(s.CustomerClass.ToString());
            await w.WriteAsync(c.SiteClass.ToString());
            await w.WriteAsync("");
            await w.WriteAsync("");
            await w.WriteAsync("");
            await w.WriteAsync("");
            await w.WriteAsync(c.Description);
            await w.WriteAsync(c.ReceivedAt, NpgsqlDbType.TimestampTz);
            await w.WriteAsync(c.CreatedAt, NpgsqlDbType.TimestampTz);
            await w.WriteAsync(s.Status.ToString());
            await WriteNullable(w, s.UnitId);
            await WriteNullable(w, s.HandlerId);
            await w.WriteAsync(s.SuspendedFrom.ToString());
            await WriteNullable(w, s.FirstContactAt?.UtcDateTime);
            await WriteNullable(w, s.ReplyAt?.UtcDateTime);
            await WriteNullable(w, s.ClosedAt?.UtcDateTime);
            await w.WriteAsync(s.ReopenCount);
            await w.WriteAsync(s.CallbackScore);
            await w.WriteAsync(s.Substantiation.ToString());
            await w.WriteAsync(c.Version);
            await w.WriteAsync(c.UpdatedAt, NpgsqlDbType.TimestampTz);
            await w.WriteAsync(c.HistoryLength);
            await w.WriteAsync(c.SubmittedBy);
        }
        await w.CompleteAsync();
    }

    private async Task CopyEventsAsync(IReadOnlyList<GeneratedCase> cases)
    {
        await using var connection = await OpenForLoadAsync();
        await using var w = await connection.BeginBinaryImportAsync(
            "COPY complaint_events (complaint_id, sequence, occurred_at, actor, action, from_status, to_status, details) FROM STDIN (FORMAT BINARY)");
        foreach (var e in cases.SelectMany(c => c.Events))
        {
            await w.StartRowAsync();
            await w.WriteAsync(e.ComplaintId, NpgsqlDbType.Uuid);
            await w.WriteAsync(e.Sequence);
            await w.WriteAsync(e.OccurredAt, NpgsqlDbType.TimestampTz);
            await w.WriteAsync(e.Actor);
            await w.WriteAsync(e.Action);
            await w.WriteAsync(e.FromStatus);
            await w.WriteAsync(e.ToStatus);
            await w.WriteAsync(e.Details, NpgsqlDbType.Jsonb);
        }
        await w.CompleteAsync();
    }

    private async Task CopyClocksAsync(IReadOnlyList<GeneratedCase> cases)
    {
        await using var connection = await OpenForLoadAsync();
        await using var w = await connection.BeginBinaryImportAsync("""
            COPY case_clocks (complaint_id, clock, round, started_at, due_at, limit_text, calendar_covered, suspended_at, pauses, stopped_at,
                breached_at, escalation_level, next_action_at, enforced_at) FROM STDIN (FORMAT BINARY)
            """);
        foreach (var k in cases.SelectMany(c => c.Clocks))
        {
            var c = k.Clock;
            await w.StartRowAsync();
            await w.WriteAsync(k.ComplaintId, NpgsqlDbType.Uuid);
            await w.WriteAsync(c.Kind.ToString());
            await w.WriteAsync(c.Round);
            await w.WriteAsync(c.StartedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
            await w.WriteAsync(c.Deadline.DueAt.UtcDateTime, NpgsqlDbType.TimestampTz);
            await w.WriteAsync(c.Limit.ToString());
            await w.WriteAsync(c.Deadline.CalendarCovered);
            await WriteNullable(w, c.SuspendedAt?.UtcDateTime);
            await w.WriteAsync(JsonSerializer.Serialize(c.Pauses), NpgsqlDbType.Jsonb);
            await WriteNullable(w, c.StoppedAt?.UtcDateTime);
            await WriteNullable(w, k.BreachedAt);
            await w.WriteAsync(k.EscalationLevel);
            await WriteNullable(w, k.NextActionAt);
            await WriteNullable(w, k.EnforcedAt);
        }
        await w.CompleteAsync();
    }

    private static async Task WriteNullable(NpgsqlBinaryImporter w, string? value)
    {
        if (value is null) await w.WriteNullAsync(); else await w.WriteAsync(value);
    }

    private static async Task WriteNullable(NpgsqlBinaryImporter w, DateTime? value)
    {
        if (value is null) await w.WriteNullAsync(); else await w.WriteAsync(value.Value, NpgsqlDbType.TimestampTz);
    }
}
