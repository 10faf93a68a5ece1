using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Lifecycle;
using ComplaintGrpc.Storage;
using Google.Protobuf.WellKnownTypes;

namespace ComplaintGrpc.Server.Complaints;

/// <summary>A row of <c>complaints</c> as Dapper reads it (snake_case columns to these properties).</summary>
public sealed class CaseRow
{
    public Guid Id { get; init; }
    public string CaseNumber { get; init; } = "";
    public string RequestId { get; init; } = "";
    public byte[] RequestHash { get; init; } = [];
    public Channel Channel { get; init; }
    public RequestKind RequestKind { get; init; }
    public Category Category { get; init; }
    public SubCategory SubCategory { get; init; }
    public Level Level { get; init; }
    public bool SkipLevel { get; init; }
    public string SkipLevelReason { get; init; } = "";
    public bool Confidential { get; init; }
    public string CustomerAccountNumber { get; init; } = "";
    public string CustomerName { get; init; } = "";
    public string CustomerPhone { get; init; } = "";
    public string CustomerAddress { get; init; } = "";
    public CustomerClass CustomerClass { get; init; }
    public SiteClass SiteClass { get; init; }
    public string SupplyUnit { get; init; } = "";
    public string Substation { get; init; } = "";
    public string Feeder { get; init; } = "";
    public string TransformerArea { get; init; } = "";
    public string Description { get; init; } = "";
    public DateTime ReceivedAt { get; init; }
    public DateTime CreatedAt { get; init; }
    public CaseStatus Status { get; init; }
    public string? UnitId { get; init; }
    public string? HandlerId { get; init; }
    public CaseStatus SuspendedFrom { get; init; }
    public DateTime? FirstContactAt { get; init; }
    public DateTime? ReplyAt { get; init; }
    public DateTime? ClosedAt { get; init; }
    public int ReopenCount { get; init; }
    public int CallbackScore { get; init; }
    public Substantiation Substantiation { get; init; }
    public int Version { get; init; }
    public DateTime UpdatedAt { get; init; }
    public double? Latitude { get; init; }
    public double? Longitude { get; init; }
    public int RepeatCount { get; init; }
    public string[] WarningRules { get; init; } = [];
    public int ChaseCount { get; init; }
    public string? OutageMatch { get; init; }
    public string? OutageNoticeId { get; init; }
    public int TaxonomyVersion { get; init; }
    public string CategoryCode { get; init; } = "";
    public string SubCategoryCode { get; init; } = "";
    public string? SubCategoryName { get; init; }
    /// <summary>What a converted case was received as (text, as stored); null when never converted.</summary>
    public string? OriginalRequestKind { get; init; }
    public DateTime? ConvertedAt { get; init; }

    /// <summary>The case's repeat links as JSON (see <see cref="RepeatLinksColumn"/>); null when it has none.</summary>
    public string? RepeatLinks { get; init; }

    /// <summary>The columns this row reads, over alias <c>c</c>: every query that returns a case names them rather than
    /// <c>*</c>, so a column added for another purpose is never read by accident.</summary>
    public const string Columns = StoredColumns + ",\n" + RepeatLinksColumn;

    /// <summary>The columns of <c>complaints</c> itself.</summary>
    public const string StoredColumns = """
        c.id, c.case_number, c.request_id, c.request_hash, c.channel, c.request_kind, c.category, c.sub_category,
        c.level, c.skip_level, c.skip_level_reason, c.confidential, c.customer_account_number, c.customer_name,
        c.customer_phone, c.customer_address, c.customer_class, c.site_class, c.supply_unit, c.substation, c.feeder,
        c.transformer_area, c.description, c.received_at, c.created_at, c.status, c.unit_id, c.handler_id,
        c.suspended_from, c.first_contact_at, c.reply_at, c.closed_at, c.reopen_count, c.callback_score,
        c.substantiation, c.version, c.updated_at, c.latitude, c.longitude, c.repeat_count, c.warning_rules, c.chase_count,
        c.outage_match, c.outage_notice_id, c.taxonomy_version, COALESCE(c.category_code, c.category) AS category_code,
        COALESCE(c.sub_category_code, c.sub_category) AS sub_category_code, c.sub_category_name, c.original_request_kind, c.converted_at
        """;

    /// <summary>The case's links to its earlier cases, newest first, read through the link table's primary key and
    /// only for cases that have any; the earlier case's number, channel and received time never change, so the join is
    /// always current. Times are microseconds since the Unix epoch.</summary>
    public const string RepeatLinksColumn = """
        CASE WHEN c.repeat_count > 0 THEN (
            SELECT json_agg(json_build_object('id', l.earlier_id, 'number', e.case_number, 'channel', e.channel,
                'received', (extract(epoch FROM e.received_at) * 1000000)::bigint, 'on', l.matched_on)
                ORDER BY e.received_at DESC, e.id DESC)::text
            FROM case_repeat_links l JOIN complaints e ON e.id = l.earlier_id
            WHERE l.complaint_id = c.id) END AS repeat_links
        """;

    /// <summary>At most this many repeat links per case in a list (ListComplaints): a page of cases with many links each
    /// stays small; repeat_count stays exact and GetComplaint shows every stored link.</summary>
    public const int ListedRepeatLinks = 10;

    /// <summary><see cref="Columns"/> for a list: the newest <see cref="ListedRepeatLinks"/> repeat links only.</summary>
    public const string ListColumns = StoredColumns + ",\n" + ListedRepeatLinksColumn;

    /// <summary>As <see cref="RepeatLinksColumn"/>, limited to the newest 10 (<see cref="ListedRepeatLinks"/>) in the
    /// inner read, so the cap costs no more than the links it returns.</summary>
    private const string ListedRepeatLinksColumn = """
        CASE WHEN c.repeat_count > 0 THEN (
            SELECT json_agg(json_build_object('id', x.earlier_id, 'number', x.case_number, 'channel', x.channel,
                'received', (extract(epoch FROM x.received_at) * 1000000)::bigint, 'on', x.matched_on)
                ORDER BY x.received_at DESC, x.id DESC)::text
            FROM (SELECT l.earlier_id, l.matched_on, e.id, e.case_number, e.channel, e.received_at
                  FROM case_repeat_links l JOIN complaints e ON e.id = l.earlier_id
                  WHERE l.complaint_id = c.id ORDER BY e.received_at DESC, e.id DESC LIMIT 10) x) END AS repeat_links
        """;

    public string Etag => Version.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public CaseState ToState() => new()
    {
        Status = Status,
        ReceivedAt = ReceivedAt.AsUtc(),
        UnitId = UnitId,
        HandlerId = HandlerId,
        SuspendedFrom = SuspendedFrom,
        FirstContactAt = FirstContactAt is { } f ? f.AsUtc() : null,
        ReplyAt = ReplyAt is { } r ? r.AsUtc() : null,
        ClosedAt = ClosedAt is { } c ? c.AsUtc() : null,
        ReopenCount = ReopenCount,
        CallbackScore = CallbackScore,
        Substantiation = Substantiation,
        Level = Level,
        CustomerClass = CustomerClass,
        RequestKind = RequestKind,
        OriginalRequestKind = OriginalRequestKind is null ? Contracts.V1.RequestKind.Unspecified : System.Enum.Parse<RequestKind>(OriginalRequestKind),
        ConvertedAt = ConvertedAt is { } v ? v.AsUtc() : null,
    };

    /// <summary>The contract view without deadlines; <see cref="CaseClocks"/> adds them.</summary>
    public Complaint ToContract() => new()
    {
        Id = Id.ToString(),
        CaseNumber = CaseNumber,
        RequestId = RequestId,
        Channel = Channel,
        RequestKind = RequestKind,
        Category = Category,
        SubCategory = SubCategory,
        Level = Level,
        SkipLevel = SkipLevel,
        SkipLevelReason = SkipLevelReason,
        Confidential = Confidential,
        Customer = new Customer
        {
            AccountNumber = CustomerAccountNumber,
            Name = CustomerName,
            Phone = CustomerPhone,
            Address = CustomerAddress,
            CustomerClass = CustomerClass,
        },
        SiteClass = SiteClass,
        Location = new GridLocation { SupplyUnit = SupplyUnit, Substation = Substation, Feeder = Feeder, TransformerArea = TransformerArea },
        Description = Description,
        ReceivedTime = ReceivedAt.AsTimestamp(),
        CreatedTime = CreatedAt.AsTimestamp(),
        Status = Status,
        UnitId = UnitId ?? "",
        HandlerId = HandlerId ?? "",
        SuspendedFrom = SuspendedFrom,
        FirstContactTime = FirstContactAt is { } f ? f.AsTimestamp() : null,
        ReplyTime = ReplyAt is { } r ? r.AsTimestamp() : null,
        ClosedTime = ClosedAt is { } c ? c.AsTimestamp() : null,
        ReopenCount = ReopenCount,
        CallbackScore = CallbackScore,
        Substantiation = Substantiation,
        Etag = Etag,
        UpdateTime = UpdatedAt.AsTimestamp(),
        Coordinates = Latitude is { } lat && Longitude is { } lon ? new GeoPoint { Latitude = lat, Longitude = lon } : null,
        RepeatCount = RepeatCount,
        RepeatLinks = { Complaints.RepeatLinks.Parse(RepeatLinks) },
        Warnings = { WarningRules.Select(System.Enum.Parse<WarningRule>) },
        ChaseCount = ChaseCount,
        OutageMatch = OutageMatch is null ? Contracts.V1.OutageMatch.Unspecified : System.Enum.Parse<OutageMatch>(OutageMatch),
        OutageNoticeId = OutageNoticeId ?? "",
        TaxonomyVersion = TaxonomyVersion,
        CategoryCode = CategoryCode,
        SubCategoryCode = SubCategoryCode,
        // A case from before taxonomy versions is version 1: the shipped names.
        SubCategoryName = SubCategoryName ?? Domain.Taxonomy.ChineseName(SubCategory),
        OriginalRequestKind = OriginalRequestKind is null ? Contracts.V1.RequestKind.Unspecified : System.Enum.Parse<RequestKind>(OriginalRequestKind),
        ConvertTime = ConvertedAt is { } converted ? converted.AsTimestamp() : null,
    };
}
