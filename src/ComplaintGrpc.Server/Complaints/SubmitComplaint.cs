using System.Globalization;
using System.Security.Cryptography;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.Intake;
using ComplaintGrpc.Domain.Lifecycle;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage;
using ComplaintGrpc.Storage.Telemetry;
using Dapper;
using Google.Protobuf;
using Npgsql;

namespace ComplaintGrpc.Server.Complaints;

/// <summary>
/// SubmitComplaint. Exactly-once on (submitter, request_id): the insert is <c>ON CONFLICT DO NOTHING</c> on that key, so of any
/// number of concurrent submits with one key exactly one inserts; the others wait for it to commit, then return the
/// stored case if their content is the same (SHA-256 of the message) or fail ALREADY_EXISTS if it is not. A key used
/// for a chase (<see cref="Chase"/>) never also stores a case.
/// The case, its repeat links, its history (submitted, and warning raised when a rule fired) and the warning
/// notifications to the receiving unit's supervisors are one transaction: a warning is in the outbox the moment the
/// case exists, and a rejected request stores none of it. Keys are per submitter: intake systems cannot collide.
/// </summary>
public static class SubmitComplaint
{
    public static async Task<Complaint> HandleAsync(SubmitComplaintRequest request, NpgsqlDataSource db, TimeProvider clock,
        CaseClocks clocks, TaxonomyStore taxonomies, IntakeOptions options, Caller caller, ILogger logger, CancellationToken ct)
    {
        // Stored precision: the reply is built from the clocks just computed, and must equal a later read.
        var now = clock.GetUtcNow().ToStoredPrecision();
        // The version current now, from memory (TaxonomyStore): no database read per submit.
        var taxonomy = (await taxonomies.CurrentAsync(now, ct)).Taxonomy;
        var (receivedAt, phone, classification) = ComplaintIntake.Validate(request, now, taxonomy);
        var hash = SHA256.HashData(request.ToByteArray());
        // The intake rules read the enums: a shipped value sent by its code counts as that value.
        var filed = request;
        if (request.Category != classification.Category || request.SubCategory != classification.SubCategory)
        {
            filed = request.Clone();
            (filed.Category, filed.SubCategory) = (classification.Category, classification.SubCategory);
        }
        var customer = request.Customer;
        var location = request.Location ?? new GridLocation();

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (request.ChaseOpenCase
            && await Chase.TryAsync(connection, tx, request, hash, phone, receivedAt, now, caller, clocks, ct) is { } chased)
        {
            await tx.CommitAsync(ct);
            return chased;
        }

        var found = await IntakeLookup.FindAsync(connection, tx, filed, phone, receivedAt, caller, options, ct);
        var warnings = WarningRules.Evaluate(filed, found.Facts, options.Warnings);
        var outage = await OutageNoticeLookup.MatchAsync(connection, tx, filed, receivedAt, options.OutageNoticeMargin, ct);
        var inserted = await connection.QuerySingleOrDefaultAsync<CaseRow>(new CommandDefinition($"""
            INSERT INTO complaints AS c (id, case_number, request_id, request_hash, channel, request_kind, category, sub_category,
                level, skip_level, skip_level_reason, confidential, customer_account_number, customer_name, customer_phone,
                customer_address, customer_class, site_class, supply_unit, substation, feeder, transformer_area, description,
                received_at, created_at, status, updated_at, submitted_by, latitude, longitude, repeat_count, warning_rules, customer_address_key,
                outage_match, outage_notice_id, taxonomy_version, category_code, sub_category_code, sub_category_name)
            SELECT @Id, 'CP' || @Day || lpad(n::text, greatest(6, length(n::text)), '0'), @RequestId, @Hash, @Channel,
                @RequestKind, @Category, @SubCategory, @Level, @SkipLevel, @SkipLevelReason, @Confidential, @Account, @Name,
                @Phone, @Address, @CustomerClass, @SiteClass, @SupplyUnit, @Substation, @Feeder, @TransformerArea,
                @Description, @ReceivedAt, @Now, 'Received', @Now, @SubmittedBy, @Latitude, @Longitude, @RepeatCount, @WarningRules, @AddressKey,
                @OutageMatch, @OutageNoticeId, @TaxonomyVersion, @CategoryCode, @SubCategoryCode, @SubCategoryName
            FROM (SELECT nextval('case_number_seq') AS n) seq
            WHERE NOT EXISTS (SELECT 1 FROM case_chases k WHERE k.submitted_by = @SubmittedBy AND k.request_id = @RequestId)
            ON CONFLICT (submitted_by, request_id) DO NOTHING
            RETURNING {CaseRow.Columns}
            """,
            new
            {
                Id = Guid.CreateVersion7(now),
                Day = TimeZoneInfo.ConvertTime(receivedAt, DeadlineCalculator.DefaultZone).ToString("yyyyMMdd", CultureInfo.InvariantCulture),
                request.RequestId,
                Hash = hash,
                Channel = request.Channel.ToString(),
                RequestKind = request.RequestKind.ToString(),
                Category = classification.Category.ToString(),
                SubCategory = classification.SubCategory.ToString(),
                Level = request.Level.ToString(),
                request.SkipLevel,
                request.SkipLevelReason,
                request.Confidential,
                Account = customer.AccountNumber,
                customer.Name,
                Phone = phone,
                customer.Address,
                CustomerClass = customer.CustomerClass.ToString(),
                SiteClass = request.SiteClass.ToString(),
                location.SupplyUnit,
                location.Substation,
                location.Feeder,
                location.TransformerArea,
                request.Description,
                ReceivedAt = receivedAt.UtcDateTime,
                Now = now.UtcDateTime,
                SubmittedBy = caller.Subject,
                Latitude = request.Coordinates?.Latitude,
                Longitude = request.Coordinates?.Longitude,
                RepeatCount = found.EarlierTotal,
                WarningRules = warnings.Rules.Select(r => r.ToString()).ToArray(),
                AddressKey = WarningRules.AddressKey(customer.Address),
                OutageMatch = outage.Match == OutageMatch.Unspecified ? null : outage.Match.ToString(),
                OutageNoticeId = outage.NoticeId.Length > 0 ? outage.NoticeId : null,
                TaxonomyVersion = classification.Version,
                classification.CategoryCode,
                classification.SubCategoryCode,
                SubCategoryName = classification.SubCategoryName,
            }, tx, cancellationToken: ct));

        if (inserted is null)
            return await StoredAnswerAsync(connection, tx, request, hash, caller, clocks, ct);

        using var caseScope = CaseLogScope.Begin(logger, inserted.CaseNumber);
        await CaseTraces.RecordAsync(connection, tx, inserted.Id, ct);
        var state = inserted.ToState();
        var details = new Dictionary<string, string> { ["case_number"] = inserted.CaseNumber };
        if (found.EarlierTotal > 0)
            details["repeat_count"] = found.EarlierTotal.ToString(CultureInfo.InvariantCulture);
        if (outage.Match != OutageMatch.Unspecified)
            details["outage_match"] = outage.Match.ToString();
        if (outage.NoticeId.Length > 0)
            details["outage_notice_id"] = outage.NoticeId;
        var submitted = new Transition(state with { Status = CaseStatus.Unspecified }, state, CaseAction.Submitted, details);
        await IntakeLookup.InsertLinksAsync(connection, tx, inserted.Id, found.Earlier, ct);
        var step = await clocks.ApplyAsync(CaseLocks.Inserted(connection, tx, inserted.Id), inserted, submitted, now, ct);
        var received = CaseStatus.Received.ToString();
        List<NewCaseEvent> events = [new(inserted.Id, now, caller.Actor, CaseAction.Submitted, CaseStatus.Unspecified.ToString(), received,
            submitted.Details.Concat(step.Changes).ToDictionary())];
        if (warnings.Any)
        {
            events.Add(new NewCaseEvent(inserted.Id, now, caller.Actor, CaseAction.WarningRaised, received, received, WarningDetails(warnings, found)));
            await Outbox.RaiseAsync(connection, tx, [.. found.Supervisors.Select(s => WarningNotification(inserted, warnings, s, now))], ct);
        }
        await CaseEvents.AppendAsync(connection, tx, events, ct);
        var complaint = inserted.ToContract();
        complaint.Deadlines.AddRange(step.Deadlines);
        complaint.RepeatLinks.AddRange(found.Earlier.Select(e => e.ToContract()));
        complaint.SubmitOutcome = SubmitOutcome.Created;
        await tx.CommitAsync(ct);
        ComplaintTelemetry.Submitted.Add(1, ComplaintTelemetry.Tag("channel", request.Channel.ToString()));
        ServerLog.ComplaintReceived(logger, inserted.CaseNumber, inserted.Id, request.Channel);
        if (warnings.Any)
        {
            var rules = string.Join(',', warnings.Rules);
            if (found.Supervisors.Count == 0)
                IntakeLog.WarningUnheard(logger, inserted.CaseNumber, rules);
            else
                IntakeLog.WarningRaised(logger, inserted.CaseNumber, rules, found.Supervisors.Count);
        }
        return complaint;
    }

    /// <summary>The answer to a key already used: the case it stored or the case it chased, if the content is the same;
    /// ALREADY_EXISTS if it is not.</summary>
    public static async Task<Complaint> StoredAnswerAsync(NpgsqlConnection connection, NpgsqlTransaction tx, SubmitComplaintRequest request,
        byte[] hash, Caller caller, CaseClocks clocks, CancellationToken ct)
    {
        var used = await connection.QuerySingleOrDefaultAsync<UsedKey>(new CommandDefinition("""
            SELECT c.id AS complaint_id, c.request_hash, false AS chase FROM complaints c WHERE c.submitted_by = @Subject AND c.request_id = @RequestId
            UNION ALL
            SELECT k.complaint_id, k.request_hash, true FROM case_chases k WHERE k.submitted_by = @Subject AND k.request_id = @RequestId
            """, new { caller.Subject, request.RequestId }, tx, cancellationToken: ct))
            ?? throw new InvalidOperationException("A key that conflicted is stored: the conflicting transaction has committed.");
        var existing = await connection.QuerySingleAsync<CaseRow>(new CommandDefinition(
            $"SELECT {CaseRow.Columns} FROM complaints c WHERE c.id = @ComplaintId", new { used.ComplaintId }, tx, cancellationToken: ct));
        if (!used.RequestHash.AsSpan().SequenceEqual(hash))
            throw new DomainException(ErrorKind.AlreadyExists, "REQUEST_ID_REUSED",
                $"request_id {request.RequestId} was already used for case {existing.CaseNumber} with different content.");
        var complaint = await clocks.ToContractAsync(connection, tx, existing, ct);
        complaint.SubmitOutcome = used.Chase ? SubmitOutcome.Chased : SubmitOutcome.Created;
        return complaint;
    }

    private sealed class UsedKey
    {
        public Guid ComplaintId { get; init; }
        public byte[] RequestHash { get; init; } = [];
        public bool Chase { get; init; }
    }

    private static Dictionary<string, string> WarningDetails(Warnings warnings, IntakeFound found)
    {
        var details = new Dictionary<string, string>
        {
            ["rules"] = string.Join(',', warnings.Rules),
            ["notified"] = string.Join(',', found.Supervisors),
        };
        if (warnings.Keywords.Count > 0)
            details["keywords"] = string.Join(',', warnings.Keywords);
        if (warnings.Rules.Contains(WarningRule.RepeatCustomer))
            details["repeat_count"] = found.EarlierTotal.ToString(CultureInfo.InvariantCulture);
        return details;
    }

    /// <summary>One per supervisor; the key names the case, so the warning is raised once per case and recipient.</summary>
    private static NewNotification WarningNotification(CaseRow c, Warnings warnings, string supervisor, DateTimeOffset now) => new(
        Id: Guid.CreateVersion7(now),
        DedupKey: $"warning:{c.Id}:{supervisor}",
        HandlerId: supervisor,
        Kind: NotificationKind.Warning.ToString(),
        ComplaintId: c.Id,
        Text: $"Warning on case {c.CaseNumber} ({c.Category}/{c.SubCategory}, channel {c.Channel}): {string.Join(", ", warnings.Rules)}.",
        CreatedAt: now,
        DeliverAfter: now);
}
