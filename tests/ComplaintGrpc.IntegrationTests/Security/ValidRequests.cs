using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace ComplaintGrpc.IntegrationTests.Security;

/// <summary>
/// A valid request for every RPC, pointing at live data of the fuzz host (an organisation, a case in every status, a
/// stored report), so that mutations start from requests that pass every check and reach the database. An RPC
/// without a seed here (added to the protos later) starts from its empty request message, so it is still fuzzed.
/// </summary>
public sealed class ValidRequests
{
    private readonly Dictionary<System.Type, Func<int, IMessage>> _seeds = [];

    private ValidRequests()
    {
    }

    public bool Has(MethodDescriptor method) => _seeds.ContainsKey(method.InputType.ClrType);

    /// <summary>The <paramref name="n"/>th valid request of <paramref name="method"/> (ids that must be new are new).</summary>
    public IMessage For(MethodDescriptor method, int n) =>
        _seeds.TryGetValue(method.InputType.ClrType, out var seed) ? seed(n) : method.InputType.Parser.ParseFrom(ByteString.Empty);

    public static async Task<ValidRequests> PrepareAsync(ServerHost host, string prefix)
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var steps = new CaseSteps(host.Complaints, org);
        var cases = new Dictionary<CaseStatus, Complaint>();
        foreach (var status in System.Enum.GetValues<CaseStatus>().Where(s => s != CaseStatus.Unspecified))
            cases[status] = await steps.InStatusAsync(status);
        var reports = new ReportService.ReportServiceClient(host.Channel);
        var reportDate = DateTime.UtcNow.AddHours(8).AddDays(-2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await reports.RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = reportDate, Wait = true });
        var grumbleRequest = Sample.Complaint($"{prefix}-grumble");
        grumbleRequest.RequestKind = RequestKind.Grumble;
        var grumble = await host.Complaints.SubmitComplaintAsync(grumbleRequest);
        var lastMonth = DateTime.UtcNow.AddHours(8).AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture);
        await reports.RunAnalysisReportAsync(new RunAnalysisReportRequest { Month = lastMonth });

        var r = new ValidRequests();
        void Seed<T>(Func<int, T> seed) where T : IMessage => r._seeds[typeof(T)] = n => seed(n);
        Complaint In(CaseStatus s) => cases[s];
        var now = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-1));

        Seed(n => Sample.Complaint($"{prefix}-{n}"));
        Seed(_ => new GetComplaintRequest { Id = In(CaseStatus.Received).Id });
        Seed(_ => new ListComplaintsRequest
        {
            Statuses = { CaseStatus.Received, CaseStatus.Dispatched },
            Categories = { Category.Outage },
            Channels = { Channel.Phone95598 },
            Levels = { Level.Normal },
            ReceivedFrom = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-1)),
            ReceivedTo = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)),
            CustomerAccountNumber = "3201001234",
            PageSize = 10,
        });
        Seed(_ => new DispatchToUnitRequest { Id = In(CaseStatus.Received).Id, Etag = In(CaseStatus.Received).Etag, UnitId = org.Station, Note = "派往东山供电所" });
        Seed(_ => new AssignHandlerRequest { Id = In(CaseStatus.Dispatched).Id, Etag = In(CaseStatus.Dispatched).Etag, HandlerId = org.Handler, Note = "请尽快处理" });
        Seed(_ => new AcceptAssignmentRequest { Id = In(CaseStatus.Assigned).Id, Etag = In(CaseStatus.Assigned).Etag });
        Seed(_ => new ReturnAssignmentRequest { Id = In(CaseStatus.Assigned).Id, Etag = In(CaseStatus.Assigned).Etag, Reason = "不属于本所辖区" });
        Seed(_ => new RecordFirstContactRequest { Id = In(CaseStatus.Accepted).Id, Etag = In(CaseStatus.Accepted).Etag, ContactTime = now, Note = "电话联系客户" });
        Seed(_ => new ReplyToCustomerRequest { Id = In(CaseStatus.Contacted).Id, Etag = In(CaseStatus.Contacted).Etag, ReplyText = "线路故障已修复。" });
        Seed(_ => new RecordCallbackRequest { Id = In(CaseStatus.Replied).Id, Etag = In(CaseStatus.Replied).Etag, Satisfied = true, Score = 5, Note = "客户满意" });
        Seed(_ => new SuspendComplaintRequest { Id = In(CaseStatus.Contacted).Id, Etag = In(CaseStatus.Contacted).Etag, Reason = "等待客户提供资料" });
        Seed(_ => new ResumeComplaintRequest { Id = In(CaseStatus.Suspended).Id, Etag = In(CaseStatus.Suspended).Etag, Note = "资料已到" });
        Seed(_ => new CloseComplaintRequest { Id = In(CaseStatus.CalledBack).Id, Etag = In(CaseStatus.CalledBack).Etag, Substantiation = Substantiation.Substantiated, ReviewNote = "属实" });
        Seed(_ => new ReopenComplaintRequest { Id = In(CaseStatus.Closed).Id, Etag = In(CaseStatus.Closed).Etag, Reason = "客户再次来电" });
        Seed(_ => new RegradeComplaintRequest { Id = In(CaseStatus.Received).Id, Etag = In(CaseStatus.Received).Etag, Level = Level.Important, CustomerClass = CustomerClass.Important, Reason = "重要客户" });
        Seed(_ => new GetComplaintHistoryRequest { Id = In(CaseStatus.Closed).Id });
        Seed(_ => new ConvertToComplaintRequest { Id = grumble.Id, Etag = grumble.Etag, Reason = "客户要求按投诉处理" });

        Seed(n => new CreateUnitRequest { Unit = new Unit { UnitId = $"{prefix}-u{n}", Name = "东山第二供电所", Level = UnitLevel.Station, ParentUnitId = org.County, TimeZone = "Asia/Shanghai", CustomerCount = 12_000 } });
        Seed(_ => new ListUnitsRequest { RootUnitId = org.City });
        Seed(n => new CreateHandlerRequest { Handler = new Handler { HandlerId = $"{prefix}-h{n}", UnitId = org.Station, Name = "赵敏", Email = "zhaomin@example.test", Role = HandlerRole.Handler } });
        Seed(_ => new ListHandlersRequest { UnitId = org.Station });

        Seed(_ => new ListNotificationsRequest { HandlerId = org.Handler, PageSize = 20 });
        Seed(_ => new WatchNotificationsRequest { HandlerId = org.Handler });

        Seed(_ => new PreviewDeadlinesRequest { Channel = Channel.Phone95598, RequestKind = RequestKind.Complaint, Level = Level.Normal, CustomerClass = CustomerClass.Residential, ReceivedTime = now, UnitId = org.Station });
        Seed(_ => new LoadCalendarYearRequest { DocumentJson = """{"year": 2040, "source": "测试日历", "holidays": ["2040-01-01", "2040-02-12/2040-02-18"], "makeUpWorkingDays": ["2040-02-11"]}""" });
        Seed(_ => new ListCalendarYearsRequest());

        Seed(_ => new GetBacklogReportRequest { ReportDate = reportDate });
        Seed(_ => new ListReportsRequest { PageSize = 10 });
        Seed(_ => new RunBacklogReportRequest { ReportDate = reportDate, Wait = false });
        Seed(_ => new DownloadReportRequest { ReportDate = reportDate, Format = ReportFormat.Csv, Table = ReportTable.Overdue });
        Seed(_ => new GetAnalysisReportRequest { Month = lastMonth });
        Seed(_ => new ListAnalysisReportsRequest { PageSize = 12 });
        Seed(_ => new RunAnalysisReportRequest { Month = lastMonth });
        Seed(_ => new DownloadAnalysisReportRequest { Month = lastMonth, Format = ReportFormat.Csv, Table = AnalysisReportTable.Category });

        var department = $"{prefix}-dep";
        await host.Organization.CreateDepartmentAsync(new CreateDepartmentRequest { Department = new Department { DepartmentId = department, UnitId = org.Station, Name = "营销班" } });
        Seed(_ => new RecordFindingRequest { Id = In(CaseStatus.CalledBack).Id, Etag = In(CaseStatus.CalledBack).Etag, Finding = Evaluation.Findings.Substantiated(In(CaseStatus.CalledBack)) });
        Seed(_ => new ChangeFindingRequest { Id = In(CaseStatus.Closed).Id, Etag = In(CaseStatus.Closed).Etag, Finding = Evaluation.Findings.Unsubstantiated(In(CaseStatus.Closed)), Reason = "复核" });
        Seed(_ => new GetFindingRequest { Id = In(CaseStatus.Closed).Id });
        Seed(_ => new ApproveClosureRequest { Id = In(CaseStatus.InReview).Id, Etag = In(CaseStatus.InReview).Etag, Note = "同意归档" });
        Seed(_ => new RejectClosureRequest { Id = In(CaseStatus.InReview).Id, Etag = In(CaseStatus.InReview).Etag, Reason = "证据不足" });
        Seed(n => new CreateDepartmentRequest { Department = new Department { DepartmentId = $"{prefix}-d{n}", UnitId = org.Station, Name = "运检部" } });
        Seed(_ => new ListDepartmentsRequest { UnitId = org.Station, PageSize = 10 });
        Seed(n => new CreatePostRequest { Post = new Post { PostId = $"{prefix}-p{n}", DepartmentId = department, Name = "抄表员" } });
        Seed(_ => new ListPostsRequest { DepartmentId = department, PageSize = 10 });
        Seed(_ => new ListQualityQueueRequest { OpenOnly = true, PageSize = 10 });
        Seed(_ => new RecordQualityVerdictRequest { Id = In(CaseStatus.Closed).Id, Etag = In(CaseStatus.Closed).Etag, Verdict = QualityVerdict.Overturned, Reason = "录音与认定不符" });
        Seed(_ => new ListAssessmentsRequest { PeriodStart = "2026-11-01", PeriodEnd = "2026-12-01", RootUnitId = org.City, Grain = AssessmentGrain.Post, PageSize = 10 });
        Seed(_ => new ListFrequentlyComplainedRequest { RootUnitId = org.City, Grain = AssessmentGrain.Person, MinSubstantiated = 2, WindowDays = 30, PageSize = 10 });
        Seed(_ => new ListRootCausesRequest { IncludeInactive = true, PageSize = 10 });
        Seed(n => new DefineRootCauseRequest { RootCause = new RootCause { Code = $"fz_{n}", Name = "测试原因", Active = true } });
        Seed(_ => new ListOverdueClocksRequest { PageSize = 20, UnitId = org.County, Clock = ClockKind.Reply, Category = Category.Outage });
        Seed(_ => new DownloadOverdueClocksRequest { UnitId = org.County, Clock = ClockKind.FirstContact, Category = Category.Outage });

        var rectifications = new RectificationService.RectificationServiceClient(host.Channel);
        var dueDate = DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        OpenRectificationRequest OpenFromHotspot(string requestId) => new()
        {
            RequestId = requestId, OwnerUnitId = org.Station, Plan = "更换10kV东山线老旧导线", DueDate = dueDate, TargetReductionPercent = 50,
            Hotspot = new HotspotReference { Grain = RectificationGrain.Feeder, Key = "10kV东山线", UnitId = org.County },
            Scope = new RectificationScope { Categories = { Category.Outage } },
        };
        var rectification = await rectifications.OpenRectificationAsync(OpenFromHotspot($"{prefix}-rect"));
        Seed(n => OpenFromHotspot($"{prefix}-rect-{n}"));
        Seed(_ => new GetRectificationRequest { Id = rectification.Id });
        Seed(_ => new ListRectificationsRequest { UnitId = org.County, Statuses = { RectificationStatus.Open }, OverdueOnly = false, PageSize = 10 });
        Seed(_ => new UpdateRectificationRequest { Id = rectification.Id, Etag = rectification.Etag, Plan = "更换导线并加装分段开关", DueDate = dueDate });
        Seed(_ => new CompleteRectificationRequest { Id = rectification.Id, Etag = rectification.Etag, Note = "导线已更换" });
        Seed(_ => new CancelRectificationRequest { Id = rectification.Id, Etag = rectification.Etag, Reason = "并入上级整改" });

        var notice = await new OutageNoticeService.OutageNoticeServiceClient(host.Channel).PutOutageNoticeAsync(
            new PutOutageNoticeRequest { Notice = RoleMatrixTests.World.OutageNotice(org, $"{prefix}-notice") });
        Seed(n => new PutOutageNoticeRequest { Notice = RoleMatrixTests.World.OutageNotice(org, $"{prefix}-notice-{n}") });
        Seed(_ => new GetOutageNoticeRequest { NoticeId = notice.NoticeId });
        Seed(_ => new ListOutageNoticesRequest { UnitId = org.Province, FromTime = notice.PlannedStartTime, PageSize = 10 });

        Seed(_ => RoleMatrixTests.World.TaxonomyDocument());
        Seed(_ => new GetTaxonomyRequest { Version = 1 });
        Seed(_ => new ListTaxonomyVersionsRequest { PageSize = 10 });

        var period = new HotspotFilter
        {
            StartTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(-7)),
            EndTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1)),
            UnitId = org.County,
            Categories = { Category.Outage, Category.SupplyQuality },
            SubCategories = { SubCategory.Outage, SubCategory.Voltage },
        };
        Seed(_ => new GetHotspotsRequest { Filter = period, Grain = HotspotGrain.MapCell, CellSizeDegrees = 0.05, PageSize = 10 });
        Seed(_ => new DownloadHotspotsRequest { Filter = period, Shape = HotspotMapShape.Cells, CellSizeDegrees = 0.01 });
        Seed(_ => new ListHotspotFlagsRequest { UnitId = org.County, PageSize = 10 });

        var library = new CaseLibraryService.CaseLibraryServiceClient(host.Channel);
        PromoteCaseRequest Promote(Complaint c) => new()
        {
            ComplaintId = c.Id, Summary = "夜间多次停电且未收到检修通知。", ActionsTaken = "补发停电通知。", ShouldHaveDone = "检修前按规定公告。",
        };
        var entry = await library.PromoteCaseAsync(Promote(await steps.ClosedAsync()));
        Seed(_ => Promote(In(CaseStatus.Closed)));
        Seed(_ => new GetLibraryCaseRequest { Id = entry.Id });
        Seed(_ => new ListLibraryCasesRequest
        {
            Category = Category.Outage, SubCategory = SubCategory.Outage, CauseCode = "weather_external", UnitId = org.County, Text = "停电", PageSize = 10,
        });
        Seed(_ => new RetireLibraryCaseRequest { Id = entry.Id, Etag = entry.Etag, Reason = "案例已过时" });
        return r;
    }
}
