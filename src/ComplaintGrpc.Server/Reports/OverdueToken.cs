using System.Buffers.Text;
using System.Globalization;
using System.Text;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Reporting;

namespace ComplaintGrpc.Server.Reports;

/// <summary>
/// The opaque page token of <c>ListOverdueClocks</c>: the walk's as-of instant, the last clock's keyset (due time,
/// complaint id, clock) and the filters' fingerprint, so every page of a walk is as at the same instant and a token
/// cannot be replayed with other filters (INVALID_ARGUMENT).
/// </summary>
public static class OverdueToken
{
    public static string Encode(DateTimeOffset asOf, OverdueClocks.Position last, string fingerprint) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{asOf.UtcTicks}.{last.DueAt.Ticks}.{last.ComplaintId:N}.{last.Clock}.{fingerprint}")));

    /// <summary>Null for the first page; the as-of instant and the position to continue after otherwise.</summary>
    public static (DateTimeOffset AsOf, OverdueClocks.Position? After)? Decode(string token, string fingerprint)
    {
        if (token.Length == 0)
            return null;
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token)).Split('.');
            if (parts.Length == 5 && parts[4] == fingerprint
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var asOf) && asOf <= DateTimeOffset.MaxValue.UtcTicks
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var due) && due <= DateTime.MaxValue.Ticks
                && Guid.TryParseExact(parts[2], "N", out var id)
                && Enum.TryParse<Contracts.V1.ClockKind>(parts[3], ignoreCase: false, out var clock) && Enum.IsDefined(clock)
                && clock.ToString() == parts[3])
            {
                return (new DateTimeOffset(asOf, TimeSpan.Zero), new OverdueClocks.Position(new DateTime(due, DateTimeKind.Utc), id, parts[3]));
            }
        }
        catch (FormatException)
        {
        }
        throw DomainException.Invalid("page_token", "is not a token from this list with the same filters");
    }
}
