using System.Buffers.Text;
using System.Text;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Server.Internal;
using Google.Protobuf;

namespace ComplaintGrpc.Server.Evaluation;

/// <summary>Keyset page tokens over a text key (department, post, root-cause ids), bound to the list's filters like
/// <see cref="PageToken"/>: the last key of the page plus the filters' fingerprint.</summary>
public static class KeyPageToken
{
    public static string Encode(string lastKey, string fingerprint) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{fingerprint}.{lastKey}"));

    /// <summary>Empty for the first page; the key to continue after otherwise.</summary>
    public static string Decode<T>(T request, string token, Action<T> clearPaging) where T : IMessage<T>
    {
        if (token.Length == 0)
            return "";
        var fingerprint = PageToken.Fingerprint(request, clearPaging);
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            var dot = text.IndexOf('.', StringComparison.Ordinal);
            if (dot > 0 && text[..dot] == fingerprint && text.Length > dot + 1)
                return text[(dot + 1)..];
        }
        catch (FormatException)
        {
        }
        throw DomainException.Invalid("page_token", "is not a token from this list with the same filters");
    }

    /// <summary>The page (at most <paramref name="size"/> of <paramref name="rows"/>, which holds one more when there is a
    /// next page) and the token of the next page.</summary>
    public static (List<TRow> Page, string Next) Page<TRow, T>(List<TRow> rows, int size, Func<TRow, string> key, T request, Action<T> clearPaging)
        where T : IMessage<T>
    {
        if (rows.Count <= size)
            return (rows, "");
        var page = rows.GetRange(0, size);
        return (page, Encode(key(page[^1]), PageToken.Fingerprint(request, clearPaging)));
    }
}
