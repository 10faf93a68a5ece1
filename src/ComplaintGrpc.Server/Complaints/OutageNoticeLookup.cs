using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Intake;
using Dapper;
using Npgsql;

namespace ComplaintGrpc.Server.Complaints;

/// <summary>
/// 停电信息 at intake: the notices naming the case's feeder, transformer area or substation (one statement, each list
/// through its GIN index) whose widened window contains the received time, judged by <see cref="OutageNotices.Match"/>.
/// Only outage complaints with a grid location cost a statement; any other case is not matched.
/// </summary>
public static class OutageNoticeLookup
{
    public static async Task<NoticeMatch> MatchAsync(NpgsqlConnection connection, NpgsqlTransaction tx, SubmitComplaintRequest request,
        DateTimeOffset receivedAt, TimeSpan margin, CancellationToken ct)
    {
        if (!OutageNotices.IsOutageComplaint(request.SubCategory))
            return NoticeMatch.NotMatched;
        var location = request.Location ?? new GridLocation();
        if (location.Substation.Length + location.Feeder.Length + location.TransformerArea.Length == 0)
            return new NoticeMatch(OutageMatch.None, "");
        var rows = await connection.QueryAsync<Row>(new CommandDefinition("""
            SELECT notice_id, substations, feeders, transformer_areas, planned_start, planned_end, announced_at
            FROM outage_notices
            WHERE (feeders @> ARRAY[@feeder] OR transformer_areas @> ARRAY[@area] OR substations @> ARRAY[@substation])
              AND planned_start <= @latestStart AND planned_end >= @earliestEnd
            """,
            new
            {
                feeder = location.Feeder, area = location.TransformerArea, substation = location.Substation,
                latestStart = (receivedAt + margin).UtcDateTime, earliestEnd = (receivedAt - margin).UtcDateTime,
            }, tx, cancellationToken: ct));
        return OutageNotices.Match(request.SubCategory, location, receivedAt, rows.Select(r => r.ToWindow()), margin);
    }

    private sealed class Row
    {
        public string NoticeId { get; init; } = "";
        public string[] Substations { get; init; } = [];
        public string[] Feeders { get; init; } = [];
        public string[] TransformerAreas { get; init; } = [];
        public DateTime PlannedStart { get; init; }
        public DateTime PlannedEnd { get; init; }
        public DateTime? AnnouncedAt { get; init; }

        public NoticeWindow ToWindow() => new(NoticeId, Substations, Feeders, TransformerAreas, Utc(PlannedStart), Utc(PlannedEnd),
            AnnouncedAt is { } a ? Utc(a) : null);

        private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));
    }
}
