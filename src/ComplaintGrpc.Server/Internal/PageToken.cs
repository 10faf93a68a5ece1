using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using ComplaintGrpc.Domain;
using Google.Protobuf;

namespace ComplaintGrpc.Server.Internal;

/// <summary>
/// Opaque keyset page tokens: the last id of the page plus a fingerprint of the filters, so a token cannot be
/// replayed with other filters (that is INVALID_ARGUMENT, not a silently wrong page).
/// </summary>
internal static class PageToken
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    /// <summary>The fingerprint of a list request's filters: the request with its paging fields cleared.</summary>
    public static string Fingerprint<T>(T request, Action<T> clearPaging) where T : IMessage<T>
    {
        var copy = request.Clone();
        clearPaging(copy);
        return Convert.ToHexString(SHA256.HashData(copy.ToByteArray()), 0, 8);
    }

    public static string Encode(Guid lastId, string fingerprint) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{lastId:N}.{fingerprint}"));

    /// <summary>Null for the first page; the id to continue after otherwise.</summary>
    public static Guid? Decode(string token, string fingerprint)
    {
        if (token.Length == 0)
            return null;
        try
        {
            var parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token)).Split('.');
            if (parts.Length == 2 && parts[1] == fingerprint && Guid.TryParseExact(parts[0], "N", out var id))
                return id;
        }
        catch (FormatException)
        {
        }
        throw DomainException.Invalid("page_token", "is not a token from this list with the same filters");
    }

    public static int Size(int requested, string field = "page_size")
    {
        if (requested is < 0 or > MaxPageSize)
            throw DomainException.Invalid(field, $"must be between 1 and {MaxPageSize} (0 means {DefaultPageSize})");
        return requested == 0 ? DefaultPageSize : requested;
    }

    /// <summary>A list's own page size, for lists that were unpaged before: their default is their maximum, so a caller
    /// that sends no page_size gets what it got before while the list is no longer than that.</summary>
    public static int Size(int requested, int max)
    {
        if (requested is < 0 || requested > max)
            throw DomainException.Invalid("page_size", $"must be between 1 and {max} (0 means {max})");
        return requested == 0 ? max : requested;
    }
}
