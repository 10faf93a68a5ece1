using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Intake;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using Microsoft.Extensions.Time.Testing;
using static ComplaintGrpc.Domain.Tests.Intake.SubmitComplaintRequests;

namespace ComplaintGrpc.Domain.Tests.Intake;

public class ComplaintIntakeTests
{
    private static Timestamp At(DateTimeOffset t) => Timestamp.FromDateTimeOffset(t);

    [Fact]
    public void A_valid_request_passes_and_returns_the_phone_in_canonical_digits()
    {
        var (receivedAt, phone) = ComplaintIntake.Validate(Valid(), Now);

        Assert.Equal("13800138000", phone);
        Assert.Equal(Now, receivedAt);
    }

    /// <summary>Each row spoils a valid request in one way and names the fields that must be reported: no more, no fewer.</summary>
    private static readonly Dictionary<string, (Action<SubmitComplaintRequest> Spoil, string[] Fields)> BadRequests = new()
    {
        ["request_id missing"] = (r => r.RequestId = "", ["request_id"]),
        ["request_id 65 characters"] = (r => r.RequestId = new string('a', 65), ["request_id"]),
        ["request_id with a space"] = (r => r.RequestId = "95598 000123", ["request_id"]),
        ["request_id in Chinese"] = (r => r.RequestId = "工单123", ["request_id"]),
        ["channel missing"] = (r => r.Channel = Channel.Unspecified, ["channel"]),
        ["channel unknown number"] = (r => r.Channel = (Channel)99, ["channel"]),
        ["request_kind missing"] = (r => r.RequestKind = RequestKind.Unspecified, ["request_kind"]),
        ["request_kind unknown number"] = (r => r.RequestKind = (RequestKind)99, ["request_kind"]),
        // Without a known category there is nothing to check the sub-category against: only category is reported.
        ["category missing"] = (r => r.Category = Category.Unspecified, ["category"]),
        ["category unknown number"] = (r => r.Category = (Category)6, ["category"]),
        ["sub_category missing"] = (r => r.SubCategory = SubCategory.Unspecified, ["sub_category"]),
        ["sub_category unknown number"] = (r => r.SubCategory = (SubCategory)33, ["sub_category"]),
        ["sub_category of another category"] = (r => r.SubCategory = SubCategory.TariffBilling, ["sub_category"]),
        ["level missing"] = (r => r.Level = Level.Unspecified, ["level"]),
        ["level unknown number"] = (r => r.Level = (Level)5, ["level"]),
        ["site_class missing"] = (r => r.SiteClass = SiteClass.Unspecified, ["site_class"]),
        ["site_class unknown number"] = (r => r.SiteClass = (SiteClass)4, ["site_class"]),
        ["description missing"] = (r => r.Description = "", ["description"]),
        ["description blank"] = (r => r.Description = " \n\t ", ["description"]),
        ["description 4001 characters"] = (r => r.Description = new string('停', 4001), ["description"]),
        ["description with NUL"] = (r => r.Description = "停电\0了", ["description"]),
        ["description with ESC"] = (r => r.Description = "停电\u001B[31m", ["description"]),
        ["description with DEL"] = (r => r.Description = "停电\u007F", ["description"]),
        ["description with a C1 control (NEL)"] = (r => r.Description = "停电\u0085了", ["description"]),
        ["description with a lone high surrogate at the end"] = (r => r.Description = "停电\uD83D", ["description"]),
        ["description with a lone low surrogate"] = (r => r.Description = "停\uDE21电", ["description"]),
        ["description with a surrogate pair reversed"] = (r => r.Description = "停\uDE21\uD83D电", ["description"]),
        ["skip_level without reason"] = (r => r.SkipLevel = true, ["skip_level_reason"]),
        ["skip_level with a blank reason"] = (r => { r.SkipLevel = true; r.SkipLevelReason = "  "; }, ["skip_level_reason"]),
        ["skip_level_reason 501 characters"] = (r => { r.SkipLevel = true; r.SkipLevelReason = new string('x', 501); }, ["skip_level_reason"]),
        ["skip_level_reason with a bell, not skipping"] = (r => r.SkipLevelReason = "\a", ["skip_level_reason"]),
        ["customer missing"] = (r => r.Customer = null, ["customer"]),
        ["customer.phone missing"] = (r => r.Customer.Phone = "", ["customer.phone"]),
        ["customer.phone blank"] = (r => r.Customer.Phone = "   ", ["customer.phone"]),
        ["customer.phone not a number"] = (r => r.Customer.Phone = "138-ABCD-8000", ["customer.phone"]),
        ["customer.customer_class missing"] = (r => r.Customer.CustomerClass = CustomerClass.Unspecified, ["customer.customer_class"]),
        ["customer.customer_class unknown number"] = (r => r.Customer.CustomerClass = (CustomerClass)4, ["customer.customer_class"]),
        ["customer.account_number with a dash"] = (r => r.Customer.AccountNumber = "3100-123456", ["customer.account_number"]),
        ["customer.account_number with full-width digits"] = (r => r.Customer.AccountNumber = "３１００１２３", ["customer.account_number"]),
        ["customer.account_number 33 characters"] = (r => r.Customer.AccountNumber = new string('9', 33), ["customer.account_number"]),
        // RequestValidator promises one violation per bad field; account_number fails both the text and the digits rule here.
        ["customer.account_number with a control character"] = (r => r.Customer.AccountNumber = "3100\u0001", ["customer.account_number"]),
        ["customer.name 101 characters"] = (r => r.Customer.Name = new string('王', 101), ["customer.name"]),
        ["customer.name with a line break"] = (r => r.Customer.Name = "王\n女士", ["customer.name"]),
        ["customer.name with a tab"] = (r => r.Customer.Name = "王\t女士", ["customer.name"]),
        ["customer.address 301 characters"] = (r => r.Customer.Address = new string('路', 301), ["customer.address"]),
        ["customer.address with a carriage return"] = (r => r.Customer.Address = "某路\r12 号", ["customer.address"]),
        ["location.supply_unit 65 characters"] = (r => r.Location.SupplyUnit = new string('所', 65), ["location.supply_unit"]),
        ["location.substation 65 characters"] = (r => r.Location.Substation = new string('变', 65), ["location.substation"]),
        ["location.feeder with a line break"] = (r => r.Location.Feeder = "10kV\n城东线", ["location.feeder"]),
        ["location.transformer_area with a lone surrogate"] = (r => r.Location.TransformerArea = "台区\uD800", ["location.transformer_area"]),
        ["received_time 6 minutes ahead"] = (r => r.ReceivedTime = At(Now.AddMinutes(6)), ["received_time"]),
        ["received_time a microsecond past the allowed skew"] = (r => r.ReceivedTime = At(Now.AddMinutes(5).AddMicroseconds(1)), ["received_time"]),
        ["received_time 31 days ago"] = (r => r.ReceivedTime = At(Now.AddDays(-31)), ["received_time"]),
        ["received_time a microsecond older than 30 days"] = (r => r.ReceivedTime = At(Now.AddDays(-30).AddMicroseconds(-1)), ["received_time"]),
        ["received_time after year 9999"] = (r => r.ReceivedTime = new Timestamp { Seconds = 253402300800 }, ["received_time"]),
        ["received_time with negative nanos"] = (r => r.ReceivedTime = new Timestamp { Seconds = At(Now).Seconds, Nanos = -1 }, ["received_time"]),
        ["received_time with a whole second of nanos"] = (r => r.ReceivedTime = new Timestamp { Seconds = At(Now).Seconds, Nanos = 1_000_000_000 }, ["received_time"]),
    };

    public static TheoryData<string> BadRequestNames() => [.. BadRequests.Keys];

    [Theory]
    [MemberData(nameof(BadRequestNames))]
    public void A_bad_field_is_reported_by_its_name(string name)
    {
        var (spoil, fields) = BadRequests[name];
        var request = Valid();
        spoil(request);

        Assert.Equal(fields, ViolatedFields(request, Now));
    }

    public static TheoryData<string> GoodVariantNames() => [.. GoodVariants.Keys];

    private static readonly Dictionary<string, Action<SubmitComplaintRequest>> GoodVariants = new()
    {
        ["request_id 64 characters of every allowed kind"] = r => r.RequestId = ("Az09._:-" + new string('x', 56)),
        ["request_id one character"] = r => r.RequestId = "7",
        ["description 4000 characters"] = r => r.Description = new string('停', 4000),
        ["description one character"] = r => r.Description = "停",
        ["description with CR LF and tab"] = r => r.Description = "第一行\r\n第二行\t（附表）",
        ["description with emoji"] = r => r.Description = "又停电了😡⚡ 冰箱🧊坏了",
        ["description ending in an emoji"] = r => r.Description = new string('停', 3998) + "😡",
        ["skip_level with a reason"] = r => { r.SkipLevel = true; r.SkipLevelReason = "已向 12398 反映\n未获答复"; },
        ["skip_level_reason 500 characters"] = r => { r.SkipLevel = true; r.SkipLevelReason = new string('x', 500); },
        ["no optional customer fields"] = r => r.Customer = new Customer { Phone = "13800138000", CustomerClass = CustomerClass.Important },
        ["customer.account_number 32 letters and digits"] = r => r.Customer.AccountNumber = "AB" + new string('7', 30),
        ["customer.name 100 characters"] = r => r.Customer.Name = new string('王', 100),
        ["no location"] = r => r.Location = null,
        ["empty location"] = r => r.Location = new GridLocation(),
        ["location parts 64 characters"] = r => r.Location.Feeder = new string('线', 64),
        ["landline phone"] = r => r.Customer.Phone = "0517-83456789",
        ["a business sub-category under business"] = r => { r.Category = Category.Business; r.SubCategory = SubCategory.TariffBilling; },
        ["report of misconduct from the regulator"] = r => { r.RequestKind = RequestKind.Report; r.Channel = Channel.Regulator12398; },
    };

    [Theory]
    [MemberData(nameof(GoodVariantNames))]
    public void A_request_at_the_edge_of_the_rules_passes(string name)
    {
        var request = Valid();
        GoodVariants[name](request);

        var (receivedAt, phone) = ComplaintIntake.Validate(request, Now);

        Assert.Equal(Now, receivedAt);
        Assert.Matches("^[0-9]{10,12}$", phone);
    }

    public static TheoryData<SubCategory, Category> SubCategoryCategoryPairs()
    {
        var data = new TheoryData<SubCategory, Category>();
        foreach (var sub in Enum.GetValues<SubCategory>().Where(s => s != SubCategory.Unspecified))
        {
            foreach (var category in Enum.GetValues<Category>().Where(c => c != Category.Unspecified))
            {
                data.Add(sub, category);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SubCategoryCategoryPairs))]
    public void A_sub_category_is_accepted_only_under_its_own_category(SubCategory sub, Category category)
    {
        var request = Valid();
        request.Category = category;
        request.SubCategory = sub;

        if (Taxonomy.CategoryOf(sub) == category)
            ComplaintIntake.Validate(request, Now);
        else
            Assert.Equal(["sub_category"], ViolatedFields(request, Now));
    }

    [Fact]
    public void Several_bad_fields_are_all_reported_at_once()
    {
        var request = Valid();
        request.RequestId = "";
        request.Channel = (Channel)42;
        request.SubCategory = SubCategory.WorksConduct; // not a supply-quality sub-category
        request.SkipLevel = true;
        request.Description = new string('x', 4001);
        request.Customer.Phone = "12345";
        request.Customer.CustomerClass = CustomerClass.Unspecified;
        request.Location.Feeder = "\u0000";
        request.ReceivedTime = At(Now.AddHours(1));

        var ex = Assert.Throws<DomainException>(() => ComplaintIntake.Validate(request, Now));

        string[] expected =
        [
            "request_id", "channel", "sub_category", "skip_level_reason", "description", "customer.phone",
            "customer.customer_class", "location.feeder", "received_time",
        ];
        Assert.Equal(expected.Order(), ex.Violations.Select(v => v.Field).Order());
        Assert.Contains("9 invalid field(s)", ex.Message, StringComparison.Ordinal);
        Assert.All(ex.Violations, v => Assert.False(string.IsNullOrWhiteSpace(v.Description)));
    }

    [Fact]
    public void The_violation_says_what_is_wrong()
    {
        var request = Valid();
        request.Description = new string('x', 4001);
        request.SubCategory = SubCategory.TariffBilling;

        var ex = Assert.Throws<DomainException>(() => ComplaintIntake.Validate(request, Now));

        Assert.Contains(ex.Violations, v => v.Field == "description" && v.Description.Contains("4000", StringComparison.Ordinal));
        Assert.Contains(ex.Violations, v => v.Field == "sub_category" && v.Description.Contains("Business", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_received_time_the_complaint_is_received_now()
    {
        var clock = new FakeTimeProvider(Now);

        var (receivedAt, _) = ComplaintIntake.Validate(Valid(), clock.GetUtcNow());

        Assert.Equal(clock.GetUtcNow(), receivedAt);
    }

    [Theory]
    [InlineData(4 * 60)]
    [InlineData(5 * 60)] // exactly the allowed clock skew
    [InlineData(0)]
    [InlineData(-29 * 24 * 3600)]
    [InlineData(-30 * 24 * 3600)] // exactly 30 days ago
    public void A_received_time_within_the_window_is_kept(int secondsFromNow)
    {
        var given = Now.AddSeconds(secondsFromNow);
        var request = Valid();
        request.ReceivedTime = At(given);

        var (receivedAt, _) = ComplaintIntake.Validate(request, Now);

        Assert.Equal(given, receivedAt);
    }

    [Fact]
    public void The_received_time_is_truncated_to_the_microsecond_as_PostgreSQL_stores_it()
    {
        var request = Valid();
        request.ReceivedTime = new Timestamp { Seconds = At(Now.AddHours(-2)).Seconds, Nanos = 123_456_789 };

        var (receivedAt, _) = ComplaintIntake.Validate(request, Now);

        Assert.Equal(Now.AddHours(-2).AddTicks(1_234_560), receivedAt);
        Assert.Equal(0, receivedAt.Ticks % TimeSpan.TicksPerMicrosecond);
    }

    [Fact]
    public void The_same_received_time_becomes_too_old_as_the_clock_moves_on()
    {
        var clock = new FakeTimeProvider(Now);
        var request = Valid();
        request.ReceivedTime = At(Now.AddDays(-29));

        ComplaintIntake.Validate(request, clock.GetUtcNow());
        clock.Advance(TimeSpan.FromDays(1));
        ComplaintIntake.Validate(request, clock.GetUtcNow());
        clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["received_time"], ViolatedFields(request, clock.GetUtcNow()));
    }

    [Theory]
    [InlineData(0L, 0, true)]
    [InlineData(-62135596800L, 0, true)] // 0001-01-01T00:00:00Z
    [InlineData(253402300799L, 999_999_999, true)] // 9999-12-31T23:59:59.999999999Z
    [InlineData(-62135596801L, 0, false)]
    [InlineData(253402300800L, 0, false)]
    [InlineData(0L, -1, false)]
    [InlineData(0L, 1_000_000_000, false)]
    public void IsValidTimestamp_accepts_protobufs_own_range(long seconds, int nanos, bool valid)
    {
        Assert.Equal(valid, ComplaintIntake.IsValidTimestamp(new Timestamp { Seconds = seconds, Nanos = nanos }));
    }
}
