using Google.Protobuf.WellKnownTypes;

namespace ComplaintGrpc.Storage;

/// <summary>timestamptz values come back from PostgreSQL as UTC <see cref="DateTime"/>s; these turn them into the
/// types the domain (<see cref="DateTimeOffset"/>) and the contract (<see cref="Timestamp"/>) speak.</summary>
public static class DbTime
{
    public static DateTimeOffset AsUtc(this DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    public static Timestamp AsTimestamp(this DateTime value) => Timestamp.FromDateTime(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
