using ComplaintGrpc.Domain.Library;

namespace ComplaintGrpc.Domain.Tests.Library;

public class AnonymisationTests
{
    private static readonly CaseCustomer Customer = new("张伟", "138 0013 8000", "3201001234", "南京市江宁区东山街道1号");

    [Theory]
    [InlineData("客户电话13800138000。", "phone number")]
    [InlineData("客户电话 +86 138-0013-8000。", "phone number")]
    [InlineData("客户电话 0086 (138) 0013.8000。", "phone number")]
    [InlineData("客户电话１３８００１３８０００。", "phone number")]
    [InlineData("户号 3201 0012 34。", "account number")]
    [InlineData("客户张 伟来电。", "name")]
    [InlineData("地址：南京市江宁区 东山街道１号。", "address")]
    public void A_text_with_the_customers_data_in_any_formatting_is_named(string text, string what)
    {
        Assert.Equal($"contains the customer's {what}", Anonymisation.CustomerDataIn(text, Customer));
    }

    [Theory]
    [InlineData("员工手机13912345678已记录。")]
    [InlineData("编号 213800138000 不是客户电话。")]
    [InlineData("客户反映东山街道夜间停电。")]
    public void A_text_without_the_customers_data_passes(string text)
    {
        Assert.Null(Anonymisation.CustomerDataIn(text, Customer));
    }

    [Theory]
    [InlineData("员工手机13912345678已记录", "员工手机***********已记录")]
    [InlineData("电话 139-1234-5678 与 150 1234 5678", "电话 *********** 与 ***********")]
    [InlineData("工单号 2139123456789 不变", "工单号 2139123456789 不变")]
    [InlineData("座机 025-52012345 不变", "座机 025-52012345 不变")]
    public void Mobile_numbers_are_masked_and_other_numbers_left_alone(string text, string masked)
    {
        Assert.Equal(masked, Anonymisation.MaskMobileNumbers(text));
    }
}
