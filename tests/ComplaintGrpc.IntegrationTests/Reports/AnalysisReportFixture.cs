using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Worker.Rectification;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using CaseChannel = ComplaintGrpc.Contracts.V1.Channel;
using RectificationItem = ComplaintGrpc.Contracts.V1.Rectification;

namespace ComplaintGrpc.IntegrationTests.Reports;

/// <summary>
/// A server on a <see cref="FakeTimeProvider"/> over its own database, seeded over gRPC with cases across October 2026
/// (the report month), September 2026 (its month-on-month base) and October 2025 (its year-on-year base), with findings
/// and root causes, grid locations, customers who complain again, and rectifications opened, completed and evaluated
/// (the worker's evaluation job, run in-process on the same clock), so that every figure of the monthly report of
/// 2026-10 can be worked out by hand (<see cref="AnalysisReportTests"/>). Each step runs at the instant the scenario
/// says, in time order.
/// </summary>
public sealed class AnalysisReportFixture : ServerHost, IAsyncLifetime
{
    public const string Month = "2026-10";
    public const string Province = "ma-province", CityA = "ma-city-a", CityB = "ma-city-b", County = "ma-county", Station = "ma-station";
    public const string StationHandler = "ma-handler-s", CityBHandler = "ma-handler-b";
    public const string EastSubstation = "110kV东山变", MapleSubstation = "110kV枫桥变";
    public const string EastFeeder = "10kV东山线", MapleFeeder = "10kV枫桥线", QinhuaiFeeder = "10kV秦淮线", XuanwuFeeder = "10kV玄武线";
    public const string EastArea = "东山1号台区";

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

        // Every case has a customer of its own (account, phone, address) but these, which share one of them with an
        // earlier case: O3 is O1's customer (all three), O5 has O2's phone, A1 has S2's account, Y2 has Y1's address;
        // O4 has S3's phone, 35 days later (outside the 30-day repeat window).
        Dictionary<string, string> sameCustomer = new() { ["O3"] = "O1", ["O5"] = "O2", ["A1"] = "S2", ["Y2"] = "Y1", ["O4"] = "S3" };
        var customerNumber = new Dictionary<string, int>();
        Customer CustomerOf(string key)
        {
            int Number(string k) => customerNumber.TryGetValue(k, out var n) ? n : customerNumber[k] = customerNumber.Count + 1;
            var own = Number(key);
            var earlier = sameCustomer.TryGetValue(key, out var e) ? Number(e) : own;
            return new Customer
            {
                AccountNumber = $"32010{(key is "O3" or "A1" ? earlier : own):D5}",
                Name = "客户" + key,
                Phone = $"139 0000 {(key is "O3" or "O5" or "O4" ? earlier : own):D4}",
                Address = $"南京市江宁区测试路{(key is "O3" or "Y2" ? earlier : own)}号",
                CustomerClass = CustomerClass.Residential,
            };
        }
        // Grid locations (substation, feeder, transformer area; empty where the case names none).
        static GridLocation Grid(string key) => key switch
        {
            "O1" or "O3" or "S2" or "Y1" or "N1" => new GridLocation { Substation = EastSubstation, Feeder = EastFeeder, TransformerArea = EastArea },
            "O2" or "S1" or "G1" => new GridLocation { Substation = MapleSubstation, Feeder = MapleFeeder },
            "O5" => new GridLocation { Feeder = QinhuaiFeeder },
            "S3" => new GridLocation { Feeder = XuanwuFeeder },
            "O4" => new GridLocation { TransformerArea = EastArea },
            _ => new GridLocation(),
        };

        void Open(string key, DateTimeOffset at, Category category, SubCategory sub, CaseChannel channel, string? unit = null)
        {
            At(at, async () =>
            {
                var r = Sample.Complaint($"ma-{key}");
                (r.Category, r.SubCategory, r.Channel) = (category, sub, channel);
                (r.Customer, r.Location) = (CustomerOf(key), Grid(key));
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

        // Planned-outage notices (停电信息), put by an OMS bridge before the cases they cover: O1 came during an outage
        // announced a week ahead (ANNOUNCED); O2 during one never announced and S1 during one announced only after it
        // began (both UNANNOUNCED); O5 and Y1 match no notice (NONE). Feeders only, so no other case is covered.
        using var oms = ChannelFor(DevTokens.Mint(Auth, "ma-oms", [Roles.Intake], unit: Province,
            lifetime: TimeSpan.FromDays(800), now: Clock.GetUtcNow().AddDays(-1)));
        void Notice(string id, string unit, string feeder, DateTimeOffset start, DateTimeOffset? announced) =>
            At(start.AddDays(-1), () => new OutageNoticeService.OutageNoticeServiceClient(oms).PutOutageNoticeAsync(new PutOutageNoticeRequest
            {
                Notice = new OutageNotice
                {
                    NoticeId = id, UnitId = unit, Feeders = { feeder }, Kind = OutageNoticeKind.Planned, Description = feeder + "检修",
                    PlannedStartTime = Timestamp.FromDateTimeOffset(start), PlannedEndTime = Timestamp.FromDateTimeOffset(start.AddHours(2)),
                    AnnounceTime = announced is { } a ? Timestamp.FromDateTimeOffset(a) : null,
                    AnnouncementChannels = { announced is null ? [] : new[] { AnnouncementChannel.Sms } },
                },
            }).ResponseAsync);
        Notice("MA-OMS-1", Station, EastFeeder, Local(2026, 10, 8, 8, 0), announced: Local(2026, 10, 1, 9, 0));
        Notice("MA-OMS-2", CityB, MapleFeeder, Local(2026, 10, 12, 8, 0), announced: null);
        Notice("MA-OMS-3", CityB, MapleFeeder, Local(2026, 9, 3, 8, 0), announced: Local(2026, 9, 3, 8, 30));

        // October 2025 (the year-on-year base).
        Closed("Y1", Local(2025, 10, 10, 9, 0), Category.Outage, SubCategory.Outage, CaseChannel.Phone95598, Station, StationHandler,
            Local(2025, 10, 20, 10, 0), Substantiation.Substantiated, "weather_external");
        Open("Y2", Local(2025, 10, 15, 9, 0), Category.Business, SubCategory.TariffBilling, CaseChannel.AppWeb);
        // 31 August 2026: inside the 31 days before October (GetHotspots' equal-length base) but not in September.
        Open("G1", Local(2026, 8, 31, 12, 0), Category.Outage, SubCategory.Outage, CaseChannel.Phone95598, CityB);
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

        // Rectifications. Met: no complaint in scope before or after (a feeder without cases). Not met: S2 before
        // (25 Sep - 2 Oct), O1 after (5 - 12 Oct), a 50 % target. Each is evaluated by the worker's job the day after
        // its after period ends; R-met is completed in September and evaluated in October.
        var rectification = new RectificationService.RectificationServiceClient(Admin);
        var evaluation = new RectificationEvaluationJob(Database, Clock, Options.Create(new RectificationWorkOptions()), NullLogger<RectificationEvaluationJob>.Instance);
        var rectifications = new Dictionary<string, RectificationItem>();
        void Rectify(string key, DateTimeOffset openAt, string unit, string feeder, DateTimeOffset? completeAt = null, DateTimeOffset? cancelAt = null,
            bool evaluate = true)
        {
            At(openAt, async () => rectifications[key] = await rectification.OpenRectificationAsync(new OpenRectificationRequest
            {
                RequestId = $"ma-{key}", OwnerUnitId = unit, Plan = $"{feeder} 改造", TargetReductionPercent = 50, EvaluationDays = 7,
                DueDate = DateOnly.FromDateTime(openAt.AddDays(3).DateTime).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                Hotspot = new HotspotReference { Grain = RectificationGrain.Feeder, Key = feeder, UnitId = unit },
            }));
            if (completeAt is { } done)
            {
                At(done, async () => rectifications[key] = await rectification.CompleteRectificationAsync(new CompleteRectificationRequest
                    { Id = rectifications[key].Id, Etag = rectifications[key].Etag, Note = "已完成" }));
                if (evaluate)
                    At(done.AddDays(8), () => evaluation.EvaluateAsync(CancellationToken.None));
            }
            if (cancelAt is { } cancelled)
            {
                At(cancelled, async () => rectifications[key] = await rectification.CancelRectificationAsync(new CancelRectificationRequest
                    { Id = rectifications[key].Id, Etag = rectifications[key].Etag, Reason = "并入其他整改" }));
            }
        }
        const string QuietFeeder = "10kV无投诉线";
        Rectify("R-year", Local(2025, 10, 5, 10, 0), Province, QuietFeeder, completeAt: Local(2025, 10, 6, 10, 0));
        Rectify("R-met", Local(2026, 9, 20, 10, 0), Province, QuietFeeder, completeAt: Local(2026, 9, 25, 10, 0));
        Rectify("R-not-met", Local(2026, 10, 2, 10, 0), Station, EastFeeder, completeAt: Local(2026, 10, 5, 10, 0));
        Rectify("R-late", Local(2026, 10, 20, 10, 0), CityA, QinhuaiFeeder, completeAt: Local(2026, 11, 1, 0, 30), evaluate: false);
        Rectify("R-open", Local(2026, 10, 25, 10, 0), CityB, MapleFeeder);
        Rectify("R-cancelled", Local(2026, 10, 26, 10, 0), CityB, MapleFeeder, cancelAt: Local(2026, 10, 27, 10, 0));

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
