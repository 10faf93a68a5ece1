using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Intake;

namespace ComplaintGrpc.Domain.Tests.Intake;

/// <summary>A complete, valid SubmitComplaint request for tests to spoil one field at a time.</summary>
internal static class SubmitComplaintRequests
{
    public static readonly DateTimeOffset Now = new(2026, 3, 2, 1, 30, 0, TimeSpan.Zero);

    public static SubmitComplaintRequest Valid() => new()
    {
        RequestId = "95598:2026-03-02_000123",
        Channel = Channel.Phone95598,
        RequestKind = RequestKind.Complaint,
        Category = Category.SupplyQuality,
        SubCategory = SubCategory.FrequentOutage,
        Level = Level.Normal,
        Customer = new Customer
        {
            AccountNumber = "3100123456",
            Name = "王女士",
            Phone = "+86 138-0013-8000",
            Address = "江苏省淮安市清江浦区某路 12 号",
            CustomerClass = CustomerClass.Residential,
        },
        SiteClass = SiteClass.Urban,
        Location = new GridLocation { SupplyUnit = "清江浦供电所", Substation = "城东变", Feeder = "10kV 城东线", TransformerArea = "幸福小区 2 号台区" },
        Description = "本月已停电五次，每次约两小时。\n冰箱里的食物都坏了。",
    };

    /// <summary>The fields named by the violations of a request that must fail validation, in the order reported.</summary>
    public static string[] ViolatedFields(SubmitComplaintRequest request, DateTimeOffset now)
    {
        var ex = Assert.Throws<DomainException>(() => ComplaintIntake.Validate(request, now));
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("INVALID_ARGUMENT", ex.Reason);
        return ex.Violations.Select(v => v.Field).ToArray();
    }
}
