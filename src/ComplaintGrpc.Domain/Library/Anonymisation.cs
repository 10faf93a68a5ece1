using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ComplaintGrpc.Domain.Library;

/// <summary>The customer of the case a library text is checked against.</summary>
public sealed record CaseCustomer(string Name, string Phone, string AccountNumber, string Address);

/// <summary>
/// 典型案例脱敏: a library text may carry none of the case's customer data. The checks run on the NFKC form of the
/// text (full-width digits and letters count as their ASCII selves) and ignore case; a phone or account number is
/// found whatever separators (spaces, dashes, dots, brackets) stand between its digits, and a phone with or without the
/// +86 country prefix. What remains of a text that passes is stored with every 11-digit mobile number masked.
/// </summary>
public static partial class Anonymisation
{
    public const int TextMaxLength = 4000;
    public const string MobileMask = "***********";
    private const string Separators = @"[\s\-.()（）/]*";

    /// <summary>What of the customer <paramref name="text"/> contains ("the customer's phone number"), or null.</summary>
    public static string? CustomerDataIn(string text, CaseCustomer customer)
    {
        var t = text.Normalize(NormalizationForm.FormKC);
        if (Digits(customer.Phone) is { Length: >= 5 } phone && DigitsPattern(NationalNumber(phone)).IsMatch(t))
            return "contains the customer's phone number";
        var account = customer.AccountNumber.Trim();
        if (account.Length >= 5 && (account.All(char.IsAsciiDigit) ? DigitsPattern(account).IsMatch(t) : Contains(t, account)))
            return "contains the customer's account number";
        if (customer.Name.Trim().Length >= 2 && Contains(t, customer.Name))
            return "contains the customer's name";
        if (customer.Address.Trim().Length >= 4 && Contains(t, customer.Address))
            return "contains the customer's address";
        return null;
    }

    /// <summary><paramref name="text"/> with every mainland mobile number (1[3-9] and nine more digits, separators
    /// allowed, not part of a longer number) replaced by <see cref="MobileMask"/>.</summary>
    public static string MaskMobileNumbers(string text) => MobileNumber().Replace(text, MobileMask);

    /// <summary>Whether the texts compare equal once whitespace is dropped, in their NFKC form, ignoring case.</summary>
    private static bool Contains(string normalizedText, string value)
    {
        var v = Squeeze(value.Normalize(NormalizationForm.FormKC));
        return v.Length > 0 && Squeeze(normalizedText).Contains(v, StringComparison.OrdinalIgnoreCase);
    }

    private static string Squeeze(string s) => string.Concat(s.Where(c => !char.IsWhiteSpace(c)));

    private static string Digits(string s) => string.Concat(s.Normalize(NormalizationForm.FormKC).Where(char.IsAsciiDigit));

    /// <summary>The phone without a leading 86 / 0086 country prefix on a mobile number.</summary>
    private static string NationalNumber(string digits) =>
        digits.StartsWith("0086", StringComparison.Ordinal) && digits.Length == 15 ? digits[4..]
        : digits.StartsWith("86", StringComparison.Ordinal) && digits.Length == 13 ? digits[2..]
        : digits;

    private static Regex DigitsPattern(string digits) =>
        new($"(?<![0-9]){string.Join(Separators, digits.Select(d => d.ToString(CultureInfo.InvariantCulture)))}(?![0-9])",
            RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));

    [GeneratedRegex(@"(?<!\d)1[3-9]\d(?:[\s\-.]?\d){8}(?!\d)", RegexOptions.CultureInvariant)]
    private static partial Regex MobileNumber();
}
