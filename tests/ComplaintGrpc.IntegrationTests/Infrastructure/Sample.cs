using ComplaintGrpc.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Infrastructure;

/// <summary>Valid requests and a small organisation, with unique ids so tests sharing a database never collide.</summary>
public static class Sample
{
    public static string Id(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 64)];

    public static SubmitComplaintRequest Complaint(string? requestId = null) => new()
    {
        RequestId = requestId ?? Id("req"),
        Channel = Channel.Phone95598,
        RequestKind = RequestKind.Complaint,
        Category = Category.Outage,
        SubCategory = SubCategory.Outage,
        Level = Level.Normal,
        Customer = new Customer
        {
            AccountNumber = "3201001234",
            Name = "张伟",
            Phone = "138 0013 8000",
            Address = "南京市江宁区东山街道1号",
            CustomerClass = CustomerClass.Residential,
        },
        SiteClass = SiteClass.Urban,
        Location = new GridLocation { SupplyUnit = "江宁供电公司", Substation = "东山变", Feeder = "10kV东山线", TransformerArea = "东山1号台区" },
        Description = "昨晚停电三次，没有任何通知。",
        ReceivedTime = new Timestamp { Seconds = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds() },
    };

    /// <summary>A province → city → county → station chain with one handler at the station and one at the county.</summary>
    public sealed record Org(string Province, string City, string County, string Station, string Handler, string CountyHandler);

    public static async Task<Org> OrganizationAsync(OrganizationService.OrganizationServiceClient client)
    {
        var p = Id("p"); var c = Id("c"); var k = Id("k"); var s = Id("s");
        await client.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = p, Name = "江苏省电力公司", Level = UnitLevel.Province, CustomerCount = 1_000_000 } });
        await client.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = c, Name = "南京供电公司", Level = UnitLevel.City, ParentUnitId = p } });
        await client.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = k, Name = "江宁供电公司", Level = UnitLevel.County, ParentUnitId = c } });
        await client.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = s, Name = "东山供电所", Level = UnitLevel.Station, ParentUnitId = k } });
        var h = Id("h"); var kh = Id("kh");
        await client.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = h, UnitId = s, Name = "李娜", Email = "lina@example.test" } });
        await client.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = kh, UnitId = k, Name = "王强" } });
        return new Org(p, c, k, s, h, kh);
    }

    /// <summary>The case as stored, without the time left on its clocks (which moves between two reads) and without
    /// submit_outcome (only SubmitComplaint's reply carries it).</summary>
    public static Complaint Stored(Complaint c)
    {
        var copy = c.Clone();
        copy.SubmitOutcome = SubmitOutcome.Unspecified;
        foreach (var d in copy.Deadlines)
            d.Remaining = null;
        return copy;
    }

    /// <summary>The google.rpc details of a failed call.</summary>
    public static Google.Rpc.Status Details(RpcException e) =>
        e.GetRpcStatus() ?? throw new InvalidOperationException($"No google.rpc.Status on {e.StatusCode}: {e.Status.Detail}");

    public static Google.Rpc.ErrorInfo ErrorInfo(RpcException e) => Details(e).GetDetail<Google.Rpc.ErrorInfo>()
        ?? throw new InvalidOperationException("No ErrorInfo detail.");

    public static IReadOnlyList<string> BadFields(RpcException e) =>
        Details(e).GetDetail<Google.Rpc.BadRequest>()?.FieldViolations.Select(v => v.Field).ToList() ?? [];
}
