using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using CaseChannel = ComplaintGrpc.Contracts.V1.Channel;

namespace ComplaintGrpc.IntegrationTests.Reports;

/// <summary>
/// A server on a <see cref="FakeTimeProvider"/> over its own database, seeded over gRPC with cases across October 2026
/// (the report month), September 2026 (its month-on-month base) and October 2025 (its year-on-year base), with findings
/// and root causes, so that every figure of the monthly report of 2026-10 can be worked out by hand
/// (<see cref="AnalysisReportTests"/>). Each step runs at the instant the scenario says, in time order.
/// </summary>
public sealed class AnalysisReportFixture : ServerHost, IAsyncLifetime
{
    public const string Month = "2026-10";
    public const string Province = "ma-province", CityA = "ma-city-a", CityB = "ma-city-b", County = "ma-county", Station = "ma-station";
    public const string StationHandler = "ma-handler-s", CityBHandler = "ma-handler-b";

    public FakeTimeProvider Clock { get; } = new(Local(2025, 10, 1, 0, 0));
    public GrpcChannel Admin { get; private set; } = null!;
    public ReportService.ReportServiceClient ReportClient => new(Admin);

    public static DateTimeOffset Local(int y, int mo, int d, int h, int mi) => new(y, mo, d, h, mi, 0, TimeSpan.FromHours(8));

    protected override void Configure(WebApplicationBuilder builder) => builder.Services.AddSingleton<TimeProvider>(Clock);

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Admin = ChannelFor(DevTokens.Mint(Auth, "analysis-admin", [Roles.Supervisor, Roles.Administrator],
            lifetime: TimeSpan.FromDays(800), now: Clock.GetUtcNow().AddDays(-1)));
        await SeedAsync();
    }

    public new async Task DisposeAsync()
    {
        Admin?.Dispose();
        await base.DisposeAsync();
    }

    private static Finding FindingOf(Complaint c, Substantiation outcome, params string[] causes)
    {
        var f = new Finding
        {
            Outcome = outcome,
            Basis = "现场核查与系统记录比对。",
            Evidence = { new EvidenceReference { AttachmentId = "att-ma", Kind = "photo" } },
            InvestigatorId = "inv-ma",
            InvestigatedTime = c.ReplyTime,
        };
        if (outcome != Substantiation.Unsubstantiated)
            f.Responsibility = new Responsibility { ResponsibilityClass = ResponsibilityClass.Partner };
        f.RootCauses.AddRange(causes.Select(code => new RootCauseFinding { CauseCode = code, Note = "原因说明" }));
        return f;
    }

    private async Task SeedAsync()
    {
        var org = new OrganizationService.OrganizationServiceClient(Admin);
        await org.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = Province, Name = "江苏省电力公司", Level = UnitLevel.Province } });
        await org.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = CityA, Name = "南京供电公司", Level = UnitLevel.City, ParentUnitId = Province } });
        await org.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = CityB, Name = "苏州供电公司", Level = UnitLevel.City, ParentUnitId = Province } });
        await org.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = County, Name = "江宁供电公司", Level = UnitLevel.County, ParentUnitId = CityA } });
        await org.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = Station, Name = "东山供电所", Level = UnitLevel.Station, ParentUnitId = County } });
        await org.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = StationHandler, UnitId = Station, Name = "李娜" } });
        await org.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = CityBHandler, UnitId = CityB, Name = "王强" } });

        var client = new ComplaintService.ComplaintServiceClient(Admin);
        var cases = new Dictionary<string, Complaint>();
        var steps = new List<(DateTimeOffset At, int Order, Func<Task> Do)>();
        void At(DateTimeOffset at, Func<Task> step) => steps.Add((at, steps.Count, step));
        async Task Step(string key, Func<Complaint, Task<Complaint>> step) => cases[key] = await step(cases[key]);

        void Open(string key, DateTimeOffset at, Category category, SubCategory sub, CaseChannel channel, string? unit = null)
        {
            At(at, async () =>
            {
                var r = Sample.Complaint($"ma-{key}");
                (r.Category, r.SubCategory, r.Channel) = (category, sub, channel);
                r.ReceivedTime = Timestamp.FromDateTimeOffset(at);
                cases[key] = await client.SubmitComplaintAsync(r);
            });
            if (unit is not null)
                At(at.AddMinutes(30), () => Step(key, c => client.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = unit }).ResponseAsync));
        }
        // Worked through to a callback, then the finding and the close at closeAt.
        void Closed(string key, DateTimeOffset at, Category category, SubCategory sub, CaseChannel channel, string unit, string handler,
            DateTimeOffset closeAt, Substantiation outcome, params string[] causes)
        {
            Open(key, at, category, sub, channel, unit);
            At(at.AddMinutes(35), () => Step(key, c => client.AssignHandlerAsync(new AssignHandlerRequest { Id = c.Id, Etag = c.Etag, HandlerId = handler }).ResponseAsync));
            At(at.AddMinutes(40), () => Step(key, c => client.AcceptAssignmentAsync(new AcceptAssignmentRequest { Id = c.Id, Etag = c.Etag }).ResponseAsync));
            At(at.AddHours(1), () => Step(key, c => client.RecordFirstContactAsync(new RecordFirstContactRequest { Id = c.Id, Etag = c.Etag, Note = "电话联系" }).ResponseAsync));
            At(at.AddHours(2), () => Step(key, c => client.ReplyToCustomerAsync(new ReplyToCustomerRequest { Id = c.Id, Etag = c.Etag, ReplyText = "已处理" }).ResponseAsync));
            At(closeAt.AddHours(-1), () => Step(key, c => client.RecordCallbackAsync(new RecordCallbackRequest { Id = c.Id, Etag = c.Etag, Satisfied = true, Score = 5 }).ResponseAsync));
            At(closeAt, () => Step(key, async c =>
            {
                c = await client.RecordFindingAsync(new RecordFindingRequest { Id = c.Id, Etag = c.Etag, Finding = FindingOf(c, outcome, causes) });
                return await client.CloseComplaintAsync(new CloseComplaintRequest { Id = c.Id, Etag = c.Etag, Substantiation = outcome });
            }));
        }

        // October 2025 (the year-on-year base).
        Closed("Y1", Local(2025, 10, 10, 9, 0), Category.Outage, SubCategory.Outage, CaseChannel.Phone95598, Station, StationHandler,
            Local(2025, 10, 20, 10, 0), Substantiation.Substantiated, "weather_external");
        Open("Y2", Local(2025, 10, 15, 9, 0), Category.Business, SubCategory.TariffBilling, CaseChannel.AppWeb);
        // September 2026 (the month-on-month base). S2 is received in September and closed in October.
        Closed("S1", Local(2026, 9, 3, 9, 0), Category.Outage, SubCategory.Outage, CaseChannel.Phone95598, CityB, CityBHandler,
            Local(2026, 9, 10, 10, 0), Substantiation.Unsubstantiated);
        Open("S3", Local(2026, 9, 15, 9, 0), Category.Service, SubCategory.StaffConduct, CaseChannel.Phone95598, CityA);
        Closed("S2", Local(2026, 9, 28, 9, 0), Category.SupplyQuality, SubCategory.Voltage, CaseChannel.CityHotline12345, Station, StationHandler,
            Local(2026, 10, 9, 10, 0), Substantiation.PartlySubstantiated, "equipment_grid", "skills");
        // 23:50 local on 30 September is 15:50 UTC: September, though the UTC date is the same as October's first hours'.
        Open("A1", Local(2026, 9, 30, 23, 50), Category.Outage, SubCategory.RepairQuality, CaseChannel.Phone95598);
        // October 2026 (the report month).
        Closed("O1", Local(2026, 10, 8, 9, 0), Category.Outage, SubCategory.Outage, CaseChannel.Phone95598, Station, StationHandler,
            Local(2026, 10, 20, 10, 0), Substantiation.Substantiated, "weather_external");
        Open("O2", Local(2026, 10, 12, 9, 0), Category.Outage, SubCategory.Reconnection, CaseChannel.Phone95598, CityB);
        Closed("O3", Local(2026, 10, 14, 9, 0), Category.Business, SubCategory.TariffBilling, CaseChannel.AppWeb, Station, StationHandler,
            Local(2026, 10, 22, 10, 0), Substantiation.Unsubstantiated);
        Open("O4", Local(2026, 10, 20, 9, 0), Category.SupplyQuality, SubCategory.Voltage, CaseChannel.CityHotline12345);
        Open("O5", Local(2026, 10, 31, 23, 30), Category.Outage, SubCategory.Outage, CaseChannel.Counter, CityA);
        // November: after the cut-off. N1 is received; O3's finding is changed to 属实 (service_awareness), which the
        // October report must not see (findings count as in force at the cut-off).
        Open("N1", Local(2026, 11, 1, 0, 10), Category.Outage, SubCategory.Outage, CaseChannel.Phone95598);
        // A change after close is a supervisor's above the reviewer's unit (the station), other than the reviewer.
        using var province = ChannelFor(DevTokens.Mint(Auth, "ma-province-supervisor", [Roles.Supervisor], unit: Province,
            lifetime: TimeSpan.FromDays(800), now: Clock.GetUtcNow().AddDays(-1)));
        var above = new ComplaintService.ComplaintServiceClient(province);
        At(Local(2026, 11, 1, 1, 0), () => Step("O3", c => above.ChangeFindingAsync(new ChangeFindingRequest
        {
            Id = c.Id, Etag = c.Etag, Reason = "复核：确有电价执行差错", Finding = FindingOf(c, Substantiation.Substantiated, "service_awareness"),
        }).ResponseAsync));

        foreach (var (at, _, step) in steps.OrderBy(s => s.At).ThenBy(s => s.Order))
        {
            if (at > Clock.GetUtcNow())
                Clock.SetUtcNow(at);
            await step();
        }
        // The 1st of November, 07:00: when the worker would run the October report.
        Clock.SetUtcNow(Local(2026, 11, 1, 7, 0));
    }
}
