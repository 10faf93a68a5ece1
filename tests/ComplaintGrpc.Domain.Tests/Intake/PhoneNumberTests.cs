using ComplaintGrpc.Domain.Intake;

namespace ComplaintGrpc.Domain.Tests.Intake;

public class PhoneNumberTests
{
    [Theory]
    [InlineData("13800138000", "13800138000")]
    [InlineData("+8613800138000", "13800138000")]
    [InlineData("+86 138 0013 8000", "13800138000")]
    [InlineData("0086 138-0013-8000", "13800138000")]
    [InlineData("008613800138000", "13800138000")]
    [InlineData("138-0013-8000", "13800138000")]
    [InlineData(" 138 0013 8000 ", "13800138000")]
    [InlineData("13000000000", "13000000000")] // 13x
    [InlineData("19912345678", "19912345678")] // 19x
    [InlineData("010-65529988", "01065529988")] // Beijing: 2-digit area code, 8-digit number
    [InlineData("0517-83456789", "051783456789")] // Huai'an: 3-digit area code, 8-digit number
    [InlineData("0571 8765432", "05718765432")] // 7-digit local number
    [InlineData("+86 0517 8345 6789", "051783456789")]
    public void A_mainland_mobile_or_landline_is_reduced_to_its_digits(string input, string canonical)
    {
        Assert.Equal(canonical, ComplaintIntake.NormalizePhone(input));
    }

    // The international form of a landline drops the trunk 0 (+86 10 ... for Beijing, as libphonenumber's E.164
    // output and most intake systems write it); the contract allows landlines "optionally prefixed +86".
    [Theory]
    [InlineData("+86 10 6552 9988", "01065529988")]
    [InlineData("+861065529988", "01065529988")]
    [InlineData("+86 517 8345 6789", "051783456789")]
    [InlineData("0086 517 8345 6789", "051783456789")]
    public void A_landline_in_international_form_is_accepted(string input, string canonical)
    {
        Assert.Equal(canonical, ComplaintIntake.NormalizePhone(input));
    }

    [Theory]
    [InlineData("138001380001")] // 12 digits
    [InlineData("1380013800")] // 10 digits
    [InlineData("1380013800a")]
    [InlineData("138-ABCD-8000")]
    [InlineData("10012345678")] // 10x is not a mobile prefix
    [InlineData("10086")]
    [InlineData("12012345678")]
    [InlineData("11012345678")]
    [InlineData("+1 415 555 0100")] // not a mainland number
    [InlineData("86 13800138000")] // country code without + or 00
    [InlineData("+86 1380013800")] // a mobile one digit short is not a landline without its trunk 0
    [InlineData("+86 12345678901")]
    [InlineData("(010) 65529988")] // only spaces and dashes are separators
    [InlineData("138.0013.8000")]
    [InlineData("010-123456")] // local number too short
    [InlineData("0517-834567890")] // local number too long
    [InlineData("+86")]
    [InlineData("")]
    public void Anything_else_is_not_a_phone_number(string input)
    {
        Assert.Null(ComplaintIntake.NormalizePhone(input));
    }

    // Digits from other scripts (full-width digits from a Chinese IME, Arabic-Indic digits) are either refused or
    // turned into ASCII: the canonical phone is stored, searched and sent to SMS gateways as ASCII digits.
    [Theory]
    [InlineData("１３８００１３８０００")]
    [InlineData("138００138000")]
    [InlineData("١٣٨٠٠١٣٨٠٠٠")]
    public void Digits_of_other_scripts_never_reach_the_canonical_form(string input)
    {
        var canonical = ComplaintIntake.NormalizePhone(input);

        Assert.True(canonical is null or "13800138000", $"NormalizePhone(\"{input}\") returned \"{canonical}\"");
    }

    [Theory]
    [InlineData("13800138000", "138****8000")]
    [InlineData("01065529988", "010****9988")]
    [InlineData("051783456789", "051*****6789")]
    [InlineData("05718765432", "057****5432")]
    [InlineData("12345678", "123*5678")]
    [InlineData("1234567", "*******")] // too short to show anything
    [InlineData("123", "***")]
    [InlineData("", "")]
    public void MaskPhone_keeps_the_first_3_and_last_4_digits(string phone, string masked)
    {
        Assert.Equal(masked, ComplaintIntake.MaskPhone(phone));
    }
}
