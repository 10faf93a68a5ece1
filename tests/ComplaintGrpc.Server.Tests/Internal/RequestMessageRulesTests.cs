using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Server.Internal;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace ComplaintGrpc.Server.Tests.Internal;

/// <summary>The rules every request message meets whatever its type (RequestMessageGate applies them before any handler).</summary>
public sealed class RequestMessageRulesTests
{
    private static SubmitComplaintRequest Valid() => new()
    {
        RequestId = "req-1",
        Customer = new Customer { Name = "张伟", Address = "南京市江宁区东山街道1号" },
        Description = "昨晚停电三次，\n没有任何通知。\t请尽快处理。\r\n",
        ReceivedTime = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 29, 8, 0, 0, TimeSpan.Zero)),
    };

    private static string Fields(IMessage message) => string.Join(",", RequestMessageRules.Check(message).Select(v => v.Field));

    [Fact]
    public void A_valid_request_with_tabs_and_line_breaks_in_text_passes() => Assert.Empty(RequestMessageRules.Check(Valid()));

    [Theory]
    [InlineData('\0')]
    [InlineData('\u0007')]
    [InlineData('\u001b')]
    [InlineData('\u007f')]
    [InlineData('\u0085')]
    public void A_control_character_in_a_nested_string_names_its_field_and_the_character(char c)
    {
        var request = Valid();
        request.Customer.Name = $"张{c}伟";

        var violation = Assert.Single(RequestMessageRules.Check(request));
        Assert.Equal("customer.name", violation.Field);
        Assert.Equal($"contains the control character U+{(int)c:X4}", violation.Description);
    }

    [Fact]
    public void The_text_rule_is_the_domains_multiline_rule()
    {
        const string text = "a\tb\nc\u0001";
        Assert.Equal(RequestValidator.ControlCharacterProblem(text, multiline: true),
            RequestMessageRules.Check(new SubmitComplaintRequest { Description = text }).Single().Description);
    }

    [Fact]
    public void Every_bad_field_is_named_once_in_field_order()
    {
        var request = Valid();
        request.RequestId = "a\u0001";
        request.Customer.Name = "\u0002\u0003";
        request.Customer.Address = "\u0004";
        request.ReceivedTime = new Timestamp { Seconds = -1 - (long)TimeSpan.FromDays(365 * 80).TotalSeconds };

        Assert.Equal("request_id,customer.name,customer.address,received_time", Fields(request));
    }

    [Fact]
    public void A_repeated_or_map_field_gets_one_violation_however_many_values_break_the_rule()
    {
        var page = new ListComplaintsResponse
        {
            Complaints = { new Complaint { Customer = new Customer { Name = "\u0001" } }, new Complaint { Customer = new Customer { Name = "\u0002" } } },
        };
        var ev = new ComplaintEvent { Details = { ["note"] = "\u0001", ["other"] = "\u0002" } };

        Assert.Equal("complaints.customer.name", Fields(page));
        Assert.Equal("details", Fields(ev));
    }

    public static TheoryData<string, Timestamp, bool> Times => new()
    {
        { "the earliest instant", Timestamp.FromDateTimeOffset(RequestMessageRules.EarliestTime), true },
        { "just before the earliest", new Timestamp { Seconds = RequestMessageRules.EarliestTime.ToUnixTimeSeconds() - 1 }, false },
        { "just before the latest", new Timestamp { Seconds = RequestMessageRules.LatestTime.ToUnixTimeSeconds() - 1, Nanos = 999_999_999 }, true },
        { "the latest (excluded)", Timestamp.FromDateTimeOffset(RequestMessageRules.LatestTime), false },
        { "negative nanos", new Timestamp { Seconds = 1_800_000_000, Nanos = -1 }, false },
        { "a whole second of nanos", new Timestamp { Seconds = 1_800_000_000, Nanos = 1_000_000_000 }, false },
        { "beyond protobuf's own range", new Timestamp { Seconds = long.MaxValue }, false },
    };

    [Theory]
    [MemberData(nameof(Times))]
    public void A_timestamp_is_a_valid_instant_from_1900_to_before_2200(string what, Timestamp time, bool valid)
    {
        var request = Valid();
        request.ReceivedTime = time;

        Assert.True(Fields(request) == (valid ? "" : "received_time"), what);
    }

    [Fact]
    public void A_string_that_is_not_utf8_is_located_in_its_nested_field()
    {
        var customer = Customer.Descriptor.FindFieldByName("name").FieldNumber;
        var inner = new MemoryStream();
        var innerOut = new CodedOutputStream(inner);
        innerOut.WriteTag(customer, WireFormat.WireType.LengthDelimited);
        innerOut.WriteBytes(ByteString.CopyFrom(0xE5, 0xBC)); // a three-byte character cut after two
        innerOut.Flush();

        var outer = new MemoryStream();
        var outerOut = new CodedOutputStream(outer);
        outerOut.WriteTag(SubmitComplaintRequest.Descriptor.FindFieldByName("request_id").FieldNumber, WireFormat.WireType.LengthDelimited);
        outerOut.WriteString("req-1");
        outerOut.WriteTag(SubmitComplaintRequest.Descriptor.FindFieldByName("customer").FieldNumber, WireFormat.WireType.LengthDelimited);
        outerOut.WriteBytes(ByteString.CopyFrom(inner.ToArray()));
        outerOut.Flush();
        var bytes = outer.ToArray();

        Assert.Throws<InvalidProtocolBufferException>(() => SubmitComplaintRequest.Parser.ParseFrom(bytes));
        Assert.Equal("customer.name", RequestMessageRules.LocateFault(bytes, SubmitComplaintRequest.Descriptor));
    }

    [Fact]
    public void A_message_cut_inside_a_field_is_located_at_that_field_and_a_bad_tag_at_none()
    {
        var whole = Valid().ToByteArray();
        var cut = whole[..^3]; // inside the last field written, received_time

        Assert.Equal("received_time", RequestMessageRules.LocateFault(cut, SubmitComplaintRequest.Descriptor));
        Assert.Null(RequestMessageRules.LocateFault([0x00], SubmitComplaintRequest.Descriptor));
    }
}
