using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.Intake;

/// <summary>A stored outage notice as the intake match needs it.</summary>
public sealed record NoticeWindow(string NoticeId, IReadOnlyList<string> Substations, IReadOnlyList<string> Feeders,
    IReadOnlyList<string> TransformerAreas, DateTimeOffset PlannedStart, DateTimeOffset PlannedEnd, DateTimeOffset? AnnouncedAt);

/// <summary>The match recorded on a case: how, and which notice (empty for NONE and UNSPECIFIED).</summary>
public sealed record NoticeMatch(OutageMatch Match, string NoticeId)
{
    public static readonly NoticeMatch NotMatched = new(OutageMatch.Unspecified, "");
}

/// <summary>
/// 停电信息 matched at intake. Pure. A notice covers a case when the case's feeder, transformer area or substation is
/// one the notice lists (the texts as GridLocation carries them, compared exactly) and the case was received within
/// [planned start − margin, planned end + margin]. Only outage complaints are matched (<see cref="IsOutageComplaint"/>).
/// Of the covering notices, an announced one (announced no later than its planned start) wins: the complaint came
/// during an outage the customer could have known of (ANNOUNCED, flagged for the reviewer); otherwise any covering
/// notice makes it UNANNOUNCED (检修未通知); none makes it NONE. Among equals the earliest planned start, then the
/// smallest notice id, so the same notices always give the same answer.
/// </summary>
public static class OutageNotices
{
    /// <summary>The sub-categories about the supply being off: 停电问题, 复电, 频繁停电.</summary>
    public static bool IsOutageComplaint(SubCategory subCategory) =>
        subCategory is SubCategory.Outage or SubCategory.Reconnection or SubCategory.FrequentOutage;

    /// <summary>Announced in time: before the work began (announced after the start is as good as not announced).</summary>
    public static bool AnnouncedInTime(NoticeWindow notice) => notice.AnnouncedAt is { } at && at <= notice.PlannedStart;

    public static bool Covers(NoticeWindow notice, GridLocation location, DateTimeOffset receivedAt, TimeSpan margin) =>
        receivedAt >= notice.PlannedStart - margin && receivedAt <= notice.PlannedEnd + margin
        && (Listed(notice.Feeders, location.Feeder) || Listed(notice.TransformerAreas, location.TransformerArea)
            || Listed(notice.Substations, location.Substation));

    public static NoticeMatch Match(SubCategory subCategory, GridLocation? location, DateTimeOffset receivedAt,
        IEnumerable<NoticeWindow> notices, TimeSpan margin)
    {
        if (!IsOutageComplaint(subCategory))
            return NoticeMatch.NotMatched;
        var where = location ?? new GridLocation();
        var covering = notices.Where(n => Covers(n, where, receivedAt, margin))
            .OrderByDescending(AnnouncedInTime).ThenBy(n => n.PlannedStart).ThenBy(n => n.NoticeId, StringComparer.Ordinal)
            .FirstOrDefault();
        return covering is null
            ? new NoticeMatch(OutageMatch.None, "")
            : new NoticeMatch(AnnouncedInTime(covering) ? OutageMatch.Announced : OutageMatch.Unannounced, covering.NoticeId);
    }

    private static bool Listed(IReadOnlyList<string> values, string value) => value.Length > 0 && values.Contains(value, StringComparer.Ordinal);
}
