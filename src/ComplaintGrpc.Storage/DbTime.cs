using Google.Protobuf.WellKnownTypes;

namespace ComplaintGrpc.Storage;

/// <summary>timestamptz values come back from PostgreSQL as UTC <see cref="DateTime"/>s; these turn them into the
/// types the domain (<see cref="DateTimeOffset"/>) and the contract (<see cref="Timestamp"/>) speak.</summary>
public static class DbTime
{
    public static DateTimeOffset AsUtc(this DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    /// <summary>The instant as timestamptz stores it: whole microseconds (Npgsql drops the rest). A step that answers
    /// from values it computed, rather than reading them back, takes its "now" at this precision so that the answer
    /// equals a later read.</summary>
    public static DateTimeOffset ToStoredPrecision(this DateTimeOffset value) => new(value.Ticks - value.Ticks % 10, value.Offset);

    public static Timestamp AsTimestamp(this DateTime value) => Timestamp.FromDateTime(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
