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
/// stored case if their content is the same (SHA-256 of the message) or fail ALREADY_EXISTS if it is not.
/// The case and its first history event are one transaction. Keys are per submitter: intake systems cannot collide.
/// </summary>
public static class SubmitComplaint
{
    public static async Task<Complaint> HandleAsync(SubmitComplaintRequest request, NpgsqlDataSource db, TimeProvider clock,
        CaseClocks clocks, Caller caller, ILogger logger, CancellationToken ct)
    {
        // Stored precision: the reply is built from the clocks just computed, and must equal a later read.
        var now = clock.GetUtcNow().ToStoredPrecision();
        var (receivedAt, phone) = ComplaintIntake.Validate(request, now);
        var hash = SHA256.HashData(request.ToByteArray());
        var customer = request.Customer;
        var location = request.Location ?? new GridLocation();

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var inserted = await connection.QuerySingleOrDefaultAsync<CaseRow>(new CommandDefinition($"""
            INSERT INTO complaints AS c (id, case_number, request_id, request_hash, channel, request_kind, category, sub_category,
                level, skip_level, skip_level_reason, confidential, customer_account_number, customer_name, customer_phone,
                customer_address, customer_class, site_class, supply_unit, substation, feeder, transformer_area, description,
                received_at, created_at, status, updated_at, submitted_by)
            SELECT @Id, 'CP' || @Day || lpad(n::text, greatest(6, length(n::text)), '0'), @RequestId, @Hash, @Channel,
                @RequestKind, @Category, @SubCategory, @Level, @SkipLevel, @SkipLevelReason, @Confidential, @Account, @Name,
                @Phone, @Address, @CustomerClass, @SiteClass, @SupplyUnit, @Substation, @Feeder, @TransformerArea,
                @Description, @ReceivedAt, @Now, 'Received', @Now, @SubmittedBy
            FROM (SELECT nextval('case_number_seq') AS n) seq
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
                Category = request.Category.ToString(),
                SubCategory = request.SubCategory.ToString(),
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
            }, tx, cancellationToken: ct));

        if (inserted is null)
        {
            var existing = await connection.QuerySingleAsync<CaseRow>(new CommandDefinition(
                $"SELECT {CaseRow.Columns} FROM complaints c WHERE c.submitted_by = @Subject AND c.request_id = @RequestId", new { caller.Subject, request.RequestId }, tx, cancellationToken: ct));
            if (!existing.RequestHash.AsSpan().SequenceEqual(hash))
                throw new DomainException(ErrorKind.AlreadyExists, "REQUEST_ID_REUSED",
                    $"request_id {request.RequestId} was already used for case {existing.CaseNumber} with different content.");
            return await clocks.ToContractAsync(connection, tx, existing, ct);
        }

        using var caseScope = CaseLogScope.Begin(logger, inserted.CaseNumber);
        await CaseTraces.RecordAsync(connection, tx, inserted.Id, ct);
        var state = inserted.ToState();
        var submitted = new Transition(state with { Status = CaseStatus.Unspecified }, state, CaseAction.Submitted,
            new Dictionary<string, string> { ["case_number"] = inserted.CaseNumber });
        var step = await clocks.ApplyAsync(CaseLocks.Inserted(connection, tx, inserted.Id), inserted, submitted, now, ct);
        await CaseEvents.AppendAsync(connection, tx, inserted.Id, now, caller.Actor, submitted.Action, CaseStatus.Unspecified.ToString(),
            CaseStatus.Received.ToString(), submitted.Details.Concat(step.Changes).ToDictionary(), ct);
        var complaint = inserted.ToContract();
        complaint.Deadlines.AddRange(step.Deadlines);
        await tx.CommitAsync(ct);
        ComplaintTelemetry.Submitted.Add(1, ComplaintTelemetry.Tag("channel", request.Channel.ToString()));
        ServerLog.ComplaintReceived(logger, inserted.CaseNumber, inserted.Id, request.Channel);
        return complaint;
    }
}
