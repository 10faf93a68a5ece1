using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using CaseChannel = ComplaintGrpc.Contracts.V1.Channel;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ComplaintGrpc.IntegrationTests.Reports;

/// <summary>
/// A server whose clock is a <see cref="FakeTimeProvider"/>, over its own database, seeded once with a known set of
/// cases around the report date 2026-10-12 (a Monday after the National Day holiday, with the 10 Oct make-up working
/// day), so the report's every figure can be worked out by hand. Every lifecycle step goes over gRPC at the instant the
/// scenario says, in time order: the clock is set to that instant first. The one thing the server cannot be asked
/// for, an escalation (the worker records those against the real clock), is appended with the same
/// <see cref="CaseEvents"/> code the worker uses.
/// </summary>
public sealed class ReportFixture : ServerHost, IAsyncLifetime
{
    public static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    public const string ReportDate = "2026-10-12";

    public FakeTimeProvider Clock { get; } = new(Local(2026, 9, 18, 0, 0));
    public GrpcChannel Admin { get; private set; } = null!;
    public ReportService.ReportServiceClient ReportClient => new(Admin);

    public const string Province = "rp-province", City = "rp-city", County = "rp-county", Station1 = "rp-station-1", Station2 = "rp-station-2";
    public const string Handler1 = "rp-handler-1", Handler2 = "rp-handler-2";

    /// <summary>Case letter → stored case.</summary>
    public Dictionary<string, Complaint> Cases { get; } = [];

    public static DateTimeOffset Local(int y, int mo, int d, int h, int mi) => new(y, mo, d, h, mi, 0, TimeSpan.FromHours(8));

    protected override void Configure(WebApplicationBuilder builder) => builder.Services.AddSingleton<TimeProvider>(Clock);

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // A token that is valid across the scenario's fake dates and the real date alike.
        Admin = ChannelFor(DevTokens.Mint(Auth, "report-admin", [Roles.Supervisor, Roles.Administrator],
            lifetime: TimeSpan.FromDays(400), now: Clock.GetUtcNow().AddDays(-1)));
        await SeedAsync();
    }

    public new async Task DisposeAsync()
    {
        Admin?.Dispose();
        await base.DisposeAsync();
    }

    private async Task SeedAsync()
    {
        var org = new OrganizationService.OrganizationServiceClient(Admin);
        await org.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = Province, Name = "江苏省电力公司", Level = UnitLevel.Province, CustomerCount = 1_000_000 } });
        await org.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = City, Name = "南京供电公司", Level = UnitLevel.City, ParentUnitId = Province, CustomerCount = 200_000 } });
        await org.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = County, Name = "江宁供电公司", Level = UnitLevel.County, ParentUnitId = City } });
        await org.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = Station1, Name = "东山供电所", Level = UnitLevel.Station, ParentUnitId = County, CustomerCount = 10_000 } });
        await org.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = Station2, Name = "秣陵供电所", Level = UnitLevel.Station, ParentUnitId = County } });
        await org.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = Handler1, UnitId = Station1, Name = "李娜" } });
        await org.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = Handler2, UnitId = Station2, Name = "王强" } });

        var client = new ComplaintService.ComplaintServiceClient(Admin);
        var steps = new List<(DateTimeOffset At, int Order, Func<Task> Do)>();
        var order = 0;
        void At(DateTimeOffset at, Func<Task> step) => steps.Add((at, order++, step));

        void Submit(string key, DateTimeOffset at, Category category, SubCategory sub, CaseChannel channel, Level level = Level.Normal) => At(at, async () =>
        {
            var r = Sample.Complaint($"rp-{key}");
            (r.Category, r.SubCategory, r.Channel, r.Level) = (category, sub, channel, level);
            r.ReceivedTime = Timestamp.FromDateTimeOffset(at);
            Cases[key] = await client.SubmitComplaintAsync(r);
        });
        async Task Step(string key, Func<Complaint, Task<Complaint>> step) => Cases[key] = await step(Cases[key]);
        void Dispatch(string key, DateTimeOffset at, string unit) =>
            At(at, () => Step(key, c => client.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = unit }).ResponseAsync));
        void Assign(string key, DateTimeOffset at, string handler) =>
            At(at, () => Step(key, c => client.AssignHandlerAsync(new AssignHandlerRequest { Id = c.Id, Etag = c.Etag, HandlerId = handler }).ResponseAsync));
        void Accept(string key, DateTimeOffset at) =>
            At(at, () => Step(key, c => client.AcceptAssignmentAsync(new AcceptAssignmentRequest { Id = c.Id, Etag = c.Etag }).ResponseAsync));
        void Contact(string key, DateTimeOffset at) =>
            At(at, () => Step(key, c => client.RecordFirstContactAsync(new RecordFirstContactRequest { Id = c.Id, Etag = c.Etag, Note = "电话联系" }).ResponseAsync));
        void Reply(string key, DateTimeOffset at) =>
            At(at, () => Step(key, c => client.ReplyToCustomerAsync(new ReplyToCustomerRequest { Id = c.Id, Etag = c.Etag, ReplyText = "已处理" }).ResponseAsync));
        void Callback(string key, DateTimeOffset at, bool satisfied) =>
            At(at, () => Step(key, c => client.RecordCallbackAsync(new RecordCallbackRequest { Id = c.Id, Etag = c.Etag, Satisfied = satisfied, Score = satisfied ? 5 : 2 }).ResponseAsync));
        void Close(string key, DateTimeOffset at) =>
            At(at, () => Step(key, async c =>
            {
                c = await Evaluation.Findings.RecordAsync(client, c);
                return await client.CloseComplaintAsync(new CloseComplaintRequest { Id = c.Id, Etag = c.Etag, Substantiation = Substantiation.Substantiated });
            }));
        void Suspend(string key, DateTimeOffset at) =>
            At(at, () => Step(key, c => client.SuspendComplaintAsync(new SuspendComplaintRequest { Id = c.Id, Etag = c.Etag, Reason = "等待客户资料" }).ResponseAsync));
        void Reopen(string key, DateTimeOffset at) =>
            At(at, () => Step(key, c => client.ReopenComplaintAsync(new ReopenComplaintRequest { Id = c.Id, Etag = c.Etag, Reason = "客户再次来电" }).ResponseAsync));
        void Worked(string key, string unit, string handler, DateTimeOffset from)
        {
            Dispatch(key, from.AddMinutes(30), unit);
            Assign(key, from.AddMinutes(35), handler);
            Accept(key, from.AddMinutes(40));
        }

        // A: received Fri 18 Sep, contacted, never replied: its reply (due 24 Sep 00:00) is overdue; aged 12 working days.
        Submit("A", Local(2026, 9, 18, 10, 0), Category.Outage, SubCategory.Outage, CaseChannel.Phone95598);
        Worked("A", Station1, Handler1, Local(2026, 9, 18, 10, 0));
        Contact("A", Local(2026, 9, 18, 15, 0));
        // B: important, app/web, at station 2, contacted then suspended: paused clocks are neither overdue nor due.
        Submit("B", Local(2026, 9, 24, 9, 0), Category.Business, SubCategory.TariffBilling, CaseChannel.AppWeb, Level.Important);
        Worked("B", Station2, Handler2, Local(2026, 9, 24, 9, 0));
        Contact("B", Local(2026, 9, 24, 12, 0));
        Suspend("B", Local(2026, 9, 24, 13, 0));
        // C: dispatched, never assigned: first contact overdue since 1 Oct 16:00; reply due exactly at the cut-off.
        Submit("C", Local(2026, 9, 30, 16, 0), Category.Outage, SubCategory.RepairQuality, CaseChannel.Phone95598);
        Dispatch("C", Local(2026, 9, 30, 16, 30), Station1);
        // E: 12345 hotline at station 2, accepted, not contacted: first contact overdue since 10 Oct 10:00.
        Submit("E", Local(2026, 10, 9, 10, 0), Category.SupplyQuality, SubCategory.Voltage, CaseChannel.CityHotline12345);
        Worked("E", Station2, Handler2, Local(2026, 10, 9, 10, 0));
        // F: major, received on the report date, never dispatched: dispatch (30 min) and first contact (12 h) overdue.
        Submit("F", Local(2026, 10, 12, 9, 0), Category.Outage, SubCategory.Outage, CaseChannel.Phone95598, Level.Major);
        // G: received on the report date at 20:00, dispatched: first contact due 13 Oct 20:00, within 24 h.
        Submit("G", Local(2026, 10, 12, 20, 0), Category.Service, SubCategory.StaffConduct, CaseChannel.Phone95598);
        Dispatch("G", Local(2026, 10, 12, 20, 30), Station1);
        // H: replied on time, called back satisfied and closed on the report date.
        Submit("H", Local(2026, 10, 8, 9, 0), Category.Business, SubCategory.Metering, CaseChannel.Phone95598);
        Worked("H", Station1, Handler1, Local(2026, 10, 8, 9, 0));
        Contact("H", Local(2026, 10, 8, 10, 0));
        Reply("H", Local(2026, 10, 9, 15, 0));
        Callback("H", Local(2026, 10, 12, 10, 0), satisfied: true);
        Close("H", Local(2026, 10, 12, 11, 0));
        // I: replied late (due 10 Oct 00:00, replied 10:00), called back satisfied and closed on the report date.
        Submit("I", Local(2026, 9, 28, 9, 0), Category.Outage, SubCategory.Outage, CaseChannel.Phone95598);
        Worked("I", Station2, Handler2, Local(2026, 9, 28, 9, 0));
        Contact("I", Local(2026, 9, 28, 10, 0));
        Reply("I", Local(2026, 10, 10, 10, 0));
        Callback("I", Local(2026, 10, 12, 9, 0), satisfied: true);
        Close("I", Local(2026, 10, 12, 12, 0));
        // J: counter, dissatisfied callback on the report date: reopened for a new reply (due 23 Oct).
        Submit("J", Local(2026, 10, 8, 14, 0), Category.Business, SubCategory.BusinessFees, CaseChannel.Counter);
        Worked("J", Station1, Handler1, Local(2026, 10, 8, 14, 0));
        Contact("J", Local(2026, 10, 8, 15, 0));
        Reply("J", Local(2026, 10, 9, 16, 0));
        Callback("J", Local(2026, 10, 12, 14, 0), satisfied: false);
        // K: closed on 9 Oct, reopened on the report date.
        Submit("K", Local(2026, 10, 8, 8, 0), Category.Service, SubCategory.ServiceChannel, CaseChannel.Phone95598);
        Worked("K", Station1, Handler1, Local(2026, 10, 8, 8, 0));
        Contact("K", Local(2026, 10, 8, 9, 0));
        Reply("K", Local(2026, 10, 8, 10, 0));
        Callback("K", Local(2026, 10, 9, 9, 0), satisfied: true);
        Close("K", Local(2026, 10, 9, 10, 0));
        Reopen("K", Local(2026, 10, 12, 15, 0));
        // L: everything on 9 Oct: closed before the report date.
        Submit("L", Local(2026, 10, 9, 9, 0), Category.Outage, SubCategory.Outage, CaseChannel.Phone95598);
        Worked("L", Station2, Handler2, Local(2026, 10, 9, 8, 30));
        Contact("L", Local(2026, 10, 9, 9, 30));
        Reply("L", Local(2026, 10, 9, 10, 0));
        Callback("L", Local(2026, 10, 9, 11, 0), satisfied: true);
        Close("L", Local(2026, 10, 9, 12, 0));
        // M: received on the report date, dispatched only after the cut-off: at the cut-off it was undispatched and
        // its dispatch clock (due 12:00) overdue; its first contact is due 13 Oct 10:00.
        Submit("M", Local(2026, 10, 12, 10, 0), Category.Outage, SubCategory.Reconnection, CaseChannel.Phone95598);
        Dispatch("M", Local(2026, 10, 13, 9, 0), Station1);

        // Planned-outage notices on the sample feeder, put by an OMS bridge the day before (intake matches within 2 h of
        // a notice's window): F (9:00) came during an outage announced the week before (ANNOUNCED; the unannounced one
        // also covers it, but an announced notice wins), M (10:00) during the unannounced one only (UNANNOUNCED). The
        // other outage complaints, A, I and L, match none.
        using var oms = ChannelFor(DevTokens.Mint(Auth, "rp-oms", [Roles.Intake], unit: Province,
            lifetime: TimeSpan.FromDays(400), now: Clock.GetUtcNow().AddDays(-1)));
        void Notice(string id, DateTimeOffset start, DateTimeOffset end, DateTimeOffset? announced) =>
            At(Local(2026, 10, 11, 9, 0), () => new OutageNoticeService.OutageNoticeServiceClient(oms).PutOutageNoticeAsync(new PutOutageNoticeRequest
            {
                Notice = new OutageNotice
                {
                    NoticeId = id, UnitId = Station1, Feeders = { "10kV东山线" }, Kind = OutageNoticeKind.Planned, Description = "10kV东山线检修",
                    PlannedStartTime = Timestamp.FromDateTimeOffset(start), PlannedEndTime = Timestamp.FromDateTimeOffset(end),
                    AnnounceTime = announced is { } a ? Timestamp.FromDateTimeOffset(a) : null,
                    AnnouncementChannels = { announced is null ? [] : new[] { AnnouncementChannel.Sms } },
                },
            }).ResponseAsync);
        Notice("RP-OMS-1", Local(2026, 10, 12, 6, 0), Local(2026, 10, 12, 7, 30), announced: Local(2026, 10, 5, 9, 0));
        Notice("RP-OMS-2", Local(2026, 10, 12, 11, 0), Local(2026, 10, 12, 13, 0), announced: null);

        foreach (var (at, _, step) in steps.OrderBy(s => s.At).ThenBy(s => s.Order))
        {
            if (at > Clock.GetUtcNow())
                Clock.SetUtcNow(at);
            await step();
        }

        // A was escalated (督办) on the report date at 08:00.
        await using var connection = await Database.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await CaseEvents.AppendAsync(connection, tx, Guid.Parse(Cases["A"].Id), Local(2026, 10, 12, 8, 0), "system", CaseAction.Escalated,
            "Contacted", "Contacted", new Dictionary<string, string> { ["clock"] = "Reply", ["level"] = "2" }, CancellationToken.None);
        await tx.CommitAsync();

        Clock.SetUtcNow(Local(2026, 10, 13, 10, 0));
    }
}
