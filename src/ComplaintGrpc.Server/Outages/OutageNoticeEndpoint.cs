using System.Globalization;
using System.Security.Cryptography;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage;
using Dapper;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Npgsql;

namespace ComplaintGrpc.Server.Outages;

/// <summary>
/// complaints.v1.OutageNoticeService (停电信息). A put is one statement, an upsert on the OMS's notice id: concurrent puts
/// of one id serialise on its unique index, and a put whose content (hash of the notice as sent) equals the stored one
/// changes nothing, so a retry keeps the etag. Writes: administrators and intake systems (an OMS bridge holds an intake
/// token). Reads: every case reader, unscoped (notices are published to customers).
/// </summary>
public sealed class OutageNoticeEndpoint(NpgsqlDataSource db, TimeProvider clock) : OutageNoticeService.OutageNoticeServiceBase
{
    private const string Writers = "intake,admin";
    private const int MaxGridValues = 200;
    private const int MaxGridValueLength = 64;
    private static readonly TimeSpan MaxLength = TimeSpan.FromDays(31);

    private const string Columns = """
        n.id, n.notice_id, n.unit_id, n.substations, n.feeders, n.transformer_areas, n.kind, n.planned_start, n.planned_end,
        n.announced_at, n.announcement_channels, n.description, n.version, n.created_at, n.updated_at
        """;

    [Authorize(Roles = Writers)]
    public override async Task<OutageNotice> PutOutageNotice(PutOutageNoticeRequest request, ServerCallContext context)
    {
        var notice = Validate(request);
        var ct = context.CancellationToken;
        var now = clock.GetUtcNow().ToStoredPrecision();
        var content = notice.Clone();
        content.Etag = "";
        content.CreateTime = null;
        content.UpdateTime = null;
        var hash = SHA256.HashData(content.ToByteArray());
        int? expected = null;
        if (request.Etag.Length > 0)
        {
            if (!int.TryParse(request.Etag, NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                throw DomainException.Invalid("etag", "must be an etag from a read of this notice");
            expected = v;
        }

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var unitKnown = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM units WHERE unit_id = @UnitId)", new { notice.UnitId }, tx, cancellationToken: ct));
        if (!unitKnown)
            throw DomainException.Invalid("notice.unit_id", $"there is no unit {notice.UnitId}");
        var row = await connection.QuerySingleOrDefaultAsync<NoticeRow>(new CommandDefinition($"""
            INSERT INTO outage_notices AS n (id, notice_id, unit_id, substations, feeders, transformer_areas, kind, planned_start,
                planned_end, announced_at, announcement_channels, description, content_hash, created_at, updated_at, updated_by)
            VALUES (@id, @NoticeId, @UnitId, @substations, @feeders, @areas, @kind, @start, @end, @announced, @channels,
                @Description, @hash, @now, @now, @by)
            ON CONFLICT (notice_id) DO UPDATE SET unit_id = excluded.unit_id, substations = excluded.substations,
                feeders = excluded.feeders, transformer_areas = excluded.transformer_areas, kind = excluded.kind,
                planned_start = excluded.planned_start, planned_end = excluded.planned_end, announced_at = excluded.announced_at,
                announcement_channels = excluded.announcement_channels, description = excluded.description,
                content_hash = excluded.content_hash, version = n.version + 1, updated_at = excluded.updated_at,
                updated_by = excluded.updated_by
            WHERE n.content_hash <> excluded.content_hash AND (@expected::int IS NULL OR n.version = @expected)
            RETURNING {Columns}
            """,
            new
            {
                id = Guid.CreateVersion7(now), notice.NoticeId, notice.UnitId, substations = notice.Substations.Distinct().ToArray(),
                feeders = notice.Feeders.Distinct().ToArray(), areas = notice.TransformerAreas.Distinct().ToArray(),
                kind = notice.Kind.ToString(), start = notice.PlannedStartTime.ToDateTime(), end = notice.PlannedEndTime.ToDateTime(),
                announced = notice.AnnounceTime?.ToDateTime(), channels = notice.AnnouncementChannels.Select(c => c.ToString()).Distinct().ToArray(),
                notice.Description, hash, now = now.UtcDateTime, by = Caller.Of(context).Actor, expected,
            }, tx, cancellationToken: ct));
        if (row is null)
        {
            // Nothing written: the same content again (a retry: answer the stored notice) or a stale etag.
            row = await connection.QuerySingleAsync<NoticeRow>(new CommandDefinition(
                $"SELECT {Columns}, n.content_hash FROM outage_notices n WHERE n.notice_id = @NoticeId", new { notice.NoticeId }, tx, cancellationToken: ct));
            if (!row.ContentHash.AsSpan().SequenceEqual(hash))
                throw StaleEtag();
            if (expected is { } e && e != row.Version)
                throw StaleEtag();
        }
        await tx.CommitAsync(ct);
        return row.ToContract();
    }

    [Authorize(Roles = Roles.CaseReaders)]
    public override async Task<OutageNotice> GetOutageNotice(GetOutageNoticeRequest request, ServerCallContext context)
    {
        new RequestValidator().Identifier("notice_id", request.NoticeId, RequestValidator.RequestIdPattern(), "1-64 of A-Z a-z 0-9 . _ : -").ThrowIfInvalid();
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<NoticeRow>(new CommandDefinition(
            $"SELECT {Columns} FROM outage_notices n WHERE n.notice_id = @NoticeId", new { request.NoticeId }, cancellationToken: context.CancellationToken))
            ?? throw DomainException.NotFound("OUTAGE_NOTICE_NOT_FOUND", $"There is no outage notice {request.NoticeId}.");
        return row.ToContract();
    }

    [Authorize(Roles = Roles.CaseReaders)]
    public override async Task<ListOutageNoticesResponse> ListOutageNotices(ListOutageNoticesRequest request, ServerCallContext context)
    {
        new RequestValidator()
            .Identifier("unit_id", request.UnitId, RequestValidator.UnitIdPattern(), "a unit id", required: false)
            .Check(request.FromTime is null || request.ToTime is null || request.FromTime < request.ToTime, "to_time", "must be after from_time")
            .ThrowIfInvalid();
        var size = PageToken.Size(request.PageSize);
        var fingerprint = PageToken.Fingerprint(request, r => { r.PageSize = 0; r.PageToken = ""; });
        var after = PageToken.Decode(request.PageToken, fingerprint);
        var ct = context.CancellationToken;
        await using var connection = await db.OpenConnectionAsync(ct);
        // Keyset on (planned_start, id) descending; the token holds the last id and its planned start is read back.
        var rows = (await connection.QueryAsync<NoticeRow>(new CommandDefinition($"""
            SELECT {Columns} FROM outage_notices n JOIN units u ON u.unit_id = n.unit_id
            WHERE (@unit::text IS NULL OR starts_with(u.path, (SELECT path FROM units WHERE unit_id = @unit)))
              AND (@from::timestamptz IS NULL OR n.planned_end > @from)
              AND (@to::timestamptz IS NULL OR n.planned_start < @to)
              AND (@after::uuid IS NULL OR (n.planned_start, n.id) < (SELECT planned_start, id FROM outage_notices WHERE id = @after))
            ORDER BY n.planned_start DESC, n.id DESC LIMIT @limit
            """,
            new
            {
                unit = request.UnitId.Length > 0 ? request.UnitId : null, from = request.FromTime?.ToDateTime(),
                to = request.ToTime?.ToDateTime(), after, limit = size + 1,
            }, cancellationToken: ct))).ToList();
        var page = rows.Take(size).ToList();
        return new ListOutageNoticesResponse
        {
            Notices = { page.Select(r => r.ToContract()) },
            NextPageToken = rows.Count > size ? PageToken.Encode(page[^1].Id, fingerprint) : "",
        };
    }

    private static DomainException StaleEtag() =>
        new(ErrorKind.Aborted, "ETAG_MISMATCH", "The outage notice was changed since it was read; read it again and retry.");

    /// <summary>Every problem of the notice at once, each naming its field; nothing is read or stored before this passes.</summary>
    private static OutageNotice Validate(PutOutageNoticeRequest request)
    {
        var v = new RequestValidator();
        if (request.Notice is not { } n)
        {
            v.Add("notice", "is required").ThrowIfInvalid();
            return null!;
        }
        v.Identifier("notice.notice_id", n.NoticeId, RequestValidator.RequestIdPattern(), "1-64 of A-Z a-z 0-9 . _ : -")
            .Identifier("notice.unit_id", n.UnitId, RequestValidator.UnitIdPattern(), "a unit id")
            .Enum("notice.kind", n.Kind)
            .Text("notice.description", n.Description, 1000, multiline: true)
            .Check(n.Substations.Count + n.Feeders.Count + n.TransformerAreas.Count > 0, "notice.feeders",
                "name at least one substation, feeder or transformer area: a notice with none locates no case");
        GridList(v, "notice.substations", n.Substations);
        GridList(v, "notice.feeders", n.Feeders);
        GridList(v, "notice.transformer_areas", n.TransformerAreas);
        v.Check(n.PlannedStartTime is not null, "notice.planned_start_time", "is required")
            .Check(n.PlannedEndTime is not null, "notice.planned_end_time", "is required");
        if (n.PlannedStartTime is { } start && n.PlannedEndTime is { } end)
        {
            v.Check(start < end, "notice.planned_end_time", "must be after planned_start_time")
                .Check(end.ToDateTimeOffset() - start.ToDateTimeOffset() <= MaxLength, "notice.planned_end_time", "must be at most 31 days after planned_start_time");
        }
        v.Check(n.AnnounceTime is null || n.AnnouncementChannels.Count > 0, "notice.announcement_channels",
                "name at least one channel the outage was announced on")
            .Check(n.AnnounceTime is not null || n.AnnouncementChannels.Count == 0, "notice.announce_time",
                "is required with announcement_channels (leave both unset when the outage was not announced)");
        for (var i = 0; i < n.AnnouncementChannels.Count; i++)
            v.Enum($"notice.announcement_channels[{i}]", n.AnnouncementChannels[i]);
        v.ThrowIfInvalid();
        return n;
    }

    private static void GridList(RequestValidator v, string field, Google.Protobuf.Collections.RepeatedField<string> values)
    {
        v.Check(values.Count <= MaxGridValues, field, $"at most {MaxGridValues} entries");
        for (var i = 0; i < values.Count; i++)
            v.Text($"{field}[{i}]", values[i], MaxGridValueLength, required: true);
    }

    private sealed class NoticeRow
    {
        public Guid Id { get; init; }
        public string NoticeId { get; init; } = "";
        public string UnitId { get; init; } = "";
        public string[] Substations { get; init; } = [];
        public string[] Feeders { get; init; } = [];
        public string[] TransformerAreas { get; init; } = [];
        public string Kind { get; init; } = "";
        public DateTime PlannedStart { get; init; }
        public DateTime PlannedEnd { get; init; }
        public DateTime? AnnouncedAt { get; init; }
        public string[] AnnouncementChannels { get; init; } = [];
        public string Description { get; init; } = "";
        public int Version { get; init; }
        public DateTime CreatedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public byte[] ContentHash { get; init; } = [];

        public OutageNotice ToContract() => new()
        {
            NoticeId = NoticeId,
            UnitId = UnitId,
            Substations = { Substations },
            Feeders = { Feeders },
            TransformerAreas = { TransformerAreas },
            Kind = Enum.Parse<OutageNoticeKind>(Kind),
            PlannedStartTime = PlannedStart.AsTimestamp(),
            PlannedEndTime = PlannedEnd.AsTimestamp(),
            AnnounceTime = AnnouncedAt?.AsTimestamp(),
            AnnouncementChannels = { AnnouncementChannels.Select(Enum.Parse<AnnouncementChannel>) },
            Description = Description,
            Etag = Version.ToString(CultureInfo.InvariantCulture),
            CreateTime = CreatedAt.AsTimestamp(),
            UpdateTime = UpdatedAt.AsTimestamp(),
        };
    }
}
