using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;

namespace ComplaintGrpc.IntegrationTests.Security;

/// <summary>
/// Every RPC × every role × a case (or inbox) of the caller's own scope and one outside it, each asserting the exact
/// status. Writes carry a stale etag: a caller who may make the change gets ABORTED (the etag is checked after role
/// and scope), so no row changes and the same cases serve every row.
/// </summary>
public sealed class RoleMatrixTests(RoleMatrixTests.World world) : IClassFixture<RoleMatrixTests.World>
{
    public const string Intake = "intake", Handler = "handler", Supervisor = "supervisor", Inspector = "inspector", Admin = "admin", Auditor = "auditor";
    private static readonly string[] AllRoles = [Intake, Handler, Supervisor, Inspector, Admin, Auditor];

    /// <summary>The access matrix as the issue states it, written out independently of the server's attributes.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["SubmitComplaint"] = [Intake, Supervisor],
        ["GetComplaint"] = AllRoles,
        ["ListComplaints"] = AllRoles,
        ["GetComplaintHistory"] = AllRoles,
        ["DispatchToUnit"] = [Supervisor],
        ["AssignHandler"] = [Supervisor],
        ["AcceptAssignment"] = [Handler, Supervisor],
        ["ReturnAssignment"] = [Handler, Supervisor],
        ["RecordFirstContact"] = [Handler, Supervisor],
        ["ReplyToCustomer"] = [Handler, Supervisor],
        ["RecordCallback"] = [Inspector, Supervisor],
        ["SuspendComplaint"] = [Supervisor],
        ["ResumeComplaint"] = [Supervisor],
        ["CloseComplaint"] = [Supervisor],
        ["ReopenComplaint"] = [Supervisor],
        ["RegradeComplaint"] = [Supervisor],
        ["CreateUnit"] = [Admin],
        ["ListUnits"] = AllRoles,
        ["CreateHandler"] = [Admin],
        ["ListHandlers"] = AllRoles,
        ["ListNotifications"] = [Handler, Supervisor, Inspector, Admin, Auditor],
        ["WatchNotifications"] = [Handler, Supervisor, Inspector, Admin, Auditor],
        ["PreviewDeadlines"] = AllRoles,
        ["LoadCalendarYear"] = [Admin],
        ["ListCalendarYears"] = AllRoles,
        ["GetBacklogReport"] = [Supervisor, Inspector, Admin, Auditor],
        ["ListReports"] = [Supervisor, Inspector, Admin, Auditor],
        ["RunBacklogReport"] = [Admin],
        ["DownloadReport"] = [Supervisor, Inspector, Admin, Auditor],
        ["GetAnalysisReport"] = [Supervisor, Inspector, Admin, Auditor],
        ["ListAnalysisReports"] = [Supervisor, Inspector, Admin, Auditor],
        ["RunAnalysisReport"] = [Admin],
        ["DownloadAnalysisReport"] = [Supervisor, Inspector, Admin, Auditor],
        ["RecordFinding"] = [Supervisor],
        ["ChangeFinding"] = [Supervisor],
        ["GetFinding"] = AllRoles,
        ["CreateDepartment"] = [Admin],
        ["ListDepartments"] = AllRoles,
        ["CreatePost"] = [Admin],
        ["ListPosts"] = AllRoles,
        ["ListRootCauses"] = AllRoles,
        ["DefineRootCause"] = [Admin],
        ["ApproveClosure"] = [Supervisor],
        ["RejectClosure"] = [Supervisor],
        ["ListQualityQueue"] = [Supervisor, Inspector, Admin, Auditor],
        ["RecordQualityVerdict"] = [Inspector],
        ["ListAssessments"] = [Supervisor, Inspector, Admin, Auditor],
        ["ListFrequentlyComplained"] = [Supervisor, Inspector, Admin, Auditor],
        ["ListOverdueClocks"] = [Supervisor, Inspector, Admin, Auditor],
        ["DownloadOverdueClocks"] = [Supervisor, Inspector, Admin, Auditor],
        ["OpenRectification"] = [Supervisor, Admin],
        ["GetRectification"] = [Supervisor, Inspector, Admin, Auditor],
        ["ListRectifications"] = [Supervisor, Inspector, Admin, Auditor],
        ["UpdateRectification"] = [Supervisor, Admin],
        ["CompleteRectification"] = [Supervisor, Admin],
        ["CancelRectification"] = [Supervisor, Admin],
        ["GetHotspots"] = [Supervisor, Inspector, Admin, Auditor],
        ["DownloadHotspots"] = [Supervisor, Inspector, Admin, Auditor],
        ["ListHotspotFlags"] = [Supervisor, Inspector, Admin, Auditor],
        ["PromoteCase"] = [Supervisor, Admin],
        ["GetLibraryCase"] = AllRoles,
        ["ListLibraryCases"] = AllRoles,
        ["RetireLibraryCase"] = [Supervisor, Admin],
        // An outage-management system's bridge is an intake system; notices are public, so every reader reads them all.
        ["PutOutageNotice"] = [Intake, Admin],
        ["GetOutageNotice"] = AllRoles,
        ["ListOutageNotices"] = AllRoles,
        // The taxonomy is loaded by administrators, as the calendar is; every role reads it.
        ["LoadTaxonomy"] = [Admin],
        ["GetTaxonomy"] = AllRoles,
        ["ListTaxonomyVersions"] = AllRoles,
        // 抱怨/意见建议 → 投诉 is a supervisor's decision, like re-grading.
        ["ConvertToComplaint"] = [Supervisor],
    };

    private static readonly HashSet<string> CaseWrites =
    [
        "DispatchToUnit", "AssignHandler", "AcceptAssignment", "ReturnAssignment", "RecordFirstContact", "ReplyToCustomer",
        "RecordCallback", "SuspendComplaint", "ResumeComplaint", "CloseComplaint", "ReopenComplaint", "RegradeComplaint",
        "RecordFinding", "ChangeFinding", "ApproveClosure", "RejectClosure", "RecordQualityVerdict",
        // A rectification is written by the supervisors of its owner unit's chain: the same answers as a case write.
        "UpdateRectification", "CompleteRectification", "CancelRectification",
        // A library entry is retired by the supervisors of its case's unit chain.
        "RetireLibraryCase",
        "ConvertToComplaint",
    ];

    private static readonly HashSet<string> CaseReads = ["GetComplaint", "GetComplaintHistory", "GetFinding", "GetRectification"];
    private static readonly HashSet<string> Inbox = ["ListNotifications", "WatchNotifications"];

    public static TheoryData<string, string, bool> Matrix()
    {
        var rows = new TheoryData<string, string, bool>();
        foreach (var rpc in Allowed.Keys)
            foreach (var role in AllRoles)
                foreach (var foreign in new[] { false, true })
                    rows.Add(rpc, role, foreign);
        return rows;
    }

    [Fact]
    public void The_matrix_covers_every_rpc_of_the_contract()
    {
        var contract = new[] { ComplaintService.Descriptor, OrganizationService.Descriptor, NotificationService.Descriptor, SlaService.Descriptor, ReportService.Descriptor, QualityService.Descriptor,
            RectificationService.Descriptor, AnalysisService.Descriptor, CaseLibraryService.Descriptor, OutageNoticeService.Descriptor,
            TaxonomyService.Descriptor }
            .SelectMany(s => s.Methods).Select(m => m.Name).Order();
        Assert.Equal(contract, Allowed.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_rpc_answers_each_role_as_the_matrix_says(string rpc, string role, bool foreign)
    {
        await world.ReadyAsync();
        var expected = Expected(rpc, role, foreign);
        var actual = await world.CallAsync(rpc, role, foreign);
        Assert.True(expected == actual, $"{rpc} as {role} on a {(foreign ? "foreign" : "own")} target: expected {expected}, got {actual}");
    }

    private static StatusCode Expected(string rpc, string role, bool foreign)
    {
        if (!Allowed[rpc].Contains(role))
            return StatusCode.PermissionDenied;
        var seesAll = role is Admin or Auditor;
        if (CaseWrites.Contains(rpc))
            return foreign && !seesAll ? StatusCode.PermissionDenied : StatusCode.Aborted;
        if (CaseReads.Contains(rpc))
            return foreign && !seesAll ? StatusCode.NotFound : StatusCode.OK;
        if (Inbox.Contains(rpc))
            return foreign && !seesAll ? StatusCode.PermissionDenied : StatusCode.OK;
        // Opening one for a unit outside the caller's subtree is refused; inside it, it is opened.
        if (rpc == "OpenRectification")
            return foreign && !seesAll ? StatusCode.PermissionDenied : StatusCode.OK;
        // The target case is open: a reviewer who reaches it learns it is not closed; one outside it, that it is not found.
        if (rpc == "PromoteCase")
            return foreign && !seesAll ? StatusCode.NotFound : StatusCode.FailedPrecondition;
        return StatusCode.OK;
    }

    [Theory]
    [InlineData(Intake)]
    [InlineData(Handler)]
    [InlineData(Supervisor)]
    [InlineData(Inspector)]
    public async Task Lists_hold_only_cases_of_the_callers_scope(string role)
    {
        await world.ReadyAsync();
        var ids = await world.ListedIdsAsync(role);
        Assert.Contains(world.OwnCase.Id, ids);
        Assert.DoesNotContain(world.ForeignCase.Id, ids);
    }

    /// <summary>Two organisations and two cases: the own case was submitted by the intake system, dispatched into the
    /// first organisation's station and assigned to its handler; the foreign one lives in the second organisation.</summary>
    public sealed class World : ServerHost
    {
        private Task? _ready;
        private Sample.Org _own = null!;
        private Sample.Org _other = null!;
        private string _department = "";
        private readonly Dictionary<string, GrpcChannel> _channels = [];

        public Complaint OwnCase { get; private set; } = null!;
        public Complaint ForeignCase { get; private set; } = null!;
        public ComplaintGrpc.Contracts.V1.Rectification OwnRectification { get; private set; } = null!;
        public ComplaintGrpc.Contracts.V1.Rectification ForeignRectification { get; private set; } = null!;
        public LibraryCase OwnLibraryCase { get; private set; } = null!;
        public LibraryCase ForeignLibraryCase { get; private set; } = null!;

        public Task ReadyAsync() => _ready ??= BuildAsync();

        private async Task BuildAsync()
        {
            _own = await Sample.OrganizationAsync(Organization);
            _other = await Sample.OrganizationAsync(Organization);
            _channels[Intake] = ChannelFor(Token("intake-sys", [Intake]));
            _channels[Handler] = ChannelFor(Token(_own.Handler, [Handler], _own.Station));
            _channels[Supervisor] = ChannelFor(Token("sup-county", [Supervisor], _own.County));
            _channels[Inspector] = ChannelFor(Token("insp-county", [Inspector], _own.County));
            _channels[Admin] = ChannelFor(Token("adm", [Admin]));
            _channels[Auditor] = ChannelFor(Token("aud", [Auditor]));

            var submitted = await new ComplaintService.ComplaintServiceClient(_channels[Intake]).SubmitComplaintAsync(Sample.Complaint());
            OwnCase = await PlaceAsync(submitted, _own);
            ForeignCase = await PlaceAsync(await Complaints.SubmitComplaintAsync(Sample.Complaint()), _other);
            _department = Sample.Id("dep");
            await Organization.CreateDepartmentAsync(new CreateDepartmentRequest { Department = new Department { DepartmentId = _department, UnitId = _own.Station, Name = "营销班" } });
            var rectifications = new RectificationService.RectificationServiceClient(_channels[Admin]);
            OwnRectification = await rectifications.OpenRectificationAsync(OpenRectification(_own));
            ForeignRectification = await rectifications.OpenRectificationAsync(OpenRectification(_other));
            var library = new CaseLibraryService.CaseLibraryServiceClient(_channels[Admin]);
            OwnLibraryCase = await library.PromoteCaseAsync(Promote(await new CaseSteps(Complaints, _own).ClosedAsync()));
            ForeignLibraryCase = await library.PromoteCaseAsync(Promote(await new CaseSteps(Complaints, _other).ClosedAsync()));
            await new OutageNoticeService.OutageNoticeServiceClient(_channels[Admin]).PutOutageNoticeAsync(new PutOutageNoticeRequest { Notice = OutageNotice(_own) });
            // A stored report for the report readers to read.
            await new ReportService.ReportServiceClient(_channels[Admin]).RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = Yesterday, Wait = true });
            await new ReportService.ReportServiceClient(_channels[Admin]).RunAnalysisReportAsync(new RunAnalysisReportRequest { Month = LastMonth });
        }

        private async Task<Complaint> PlaceAsync(Complaint c, Sample.Org org)
        {
            c = await Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = org.Station });
            return await Complaints.AssignHandlerAsync(new AssignHandlerRequest { Id = c.Id, Etag = c.Etag, HandlerId = org.Handler });
        }

        private static string LastMonth => DateTime.UtcNow.AddHours(8).AddMonths(-1).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>A rectification of the organisation's station, opened from a feeder hotspot of its county.</summary>
        public static OpenRectificationRequest OpenRectification(Sample.Org org) => new()
        {
            RequestId = Sample.Id("rq"), OwnerUnitId = org.Station, Plan = "更换老旧导线", TargetReductionPercent = 50,
            DueDate = DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            Hotspot = new HotspotReference { Grain = RectificationGrain.Feeder, Key = "10kV东山线", UnitId = org.County },
        };

        private static PromoteCaseRequest Promote(Complaint c) => new()
        {
            ComplaintId = c.Id, Summary = "夜间多次停电且未收到检修通知。", ActionsTaken = "补发停电通知。", ShouldHaveDone = "检修前按规定公告。",
        };

        /// <summary>A planned outage of the organisation's county (notice id from the organisation, so one per world).</summary>
        public static OutageNotice OutageNotice(Sample.Org org, string? noticeId = null) => new()
        {
            NoticeId = noticeId ?? "N-" + org.County, UnitId = org.County, Feeders = { "10kV东山线" }, Kind = OutageNoticeKind.Planned,
            PlannedStartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddDays(1)),
            PlannedEndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddDays(1).AddHours(4)),
        };

        /// <summary>A valid taxonomy version: the shipped one plus one loaded-only sub-category under 营业投诉.</summary>
        public static LoadTaxonomyRequest TaxonomyDocument() => new()
        {
            Source = "分类调整",
            Categories = { Domain.ComplaintTaxonomy.Shipped.Categories.Select(c => new TaxonomyCategory { Code = c.Code, Name = c.Name, ShippedCategory = c.Shipped }) },
            SubCategories =
            {
                Domain.ComplaintTaxonomy.Shipped.SubCategories.Select(s =>
                    new TaxonomySubCategory { Code = s.Code, Name = s.Name, CategoryCode = s.CategoryCode, ShippedSubCategory = s.Shipped }),
                new TaxonomySubCategory { Code = "SmartPayment", Name = "智能缴费", CategoryCode = "Business" },
            },
        };

        private static string Yesterday => DateTime.UtcNow.AddHours(8).AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        public async Task<List<string>> ListedIdsAsync(string role) =>
            (await new ComplaintService.ComplaintServiceClient(_channels[role]).ListComplaintsAsync(new ListComplaintsRequest { PageSize = 200 }))
            .Complaints.Select(c => c.Id).ToList();

        public async Task<StatusCode> CallAsync(string rpc, string role, bool foreign)
        {
            var channel = _channels[role];
            var cases = new ComplaintService.ComplaintServiceClient(channel);
            var org = new OrganizationService.OrganizationServiceClient(channel);
            var inbox = new NotificationService.NotificationServiceClient(channel);
            var sla = new SlaService.SlaServiceClient(channel);
            var reports = new ReportService.ReportServiceClient(channel);
            var quality = new QualityService.QualityServiceClient(channel);
            var rectifications = new RectificationService.RectificationServiceClient(channel);
            var rectification = foreign ? ForeignRectification : OwnRectification;
            var analysis = new AnalysisService.AnalysisServiceClient(channel);
            var library = new CaseLibraryService.CaseLibraryServiceClient(channel);
            var libraryCase = foreign ? ForeignLibraryCase : OwnLibraryCase;
            var target = foreign ? ForeignCase : OwnCase;
            var handler = foreign ? _other.Handler : _own.Handler;
            var station = foreign ? _other.Station : _own.Station;
            const string stale = "0";
            var period = new HotspotFilter
            {
                StartTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddDays(-30)),
                EndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow.AddDays(1)),
                UnitId = station,
            };
            try
            {
                switch (rpc)
                {
                    case "SubmitComplaint": await cases.SubmitComplaintAsync(Sample.Complaint()); break;
                    case "GetComplaint": await cases.GetComplaintAsync(new GetComplaintRequest { Id = target.Id }); break;
                    case "ListComplaints": await cases.ListComplaintsAsync(new ListComplaintsRequest()); break;
                    case "GetComplaintHistory": await cases.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = target.Id }); break;
                    case "DispatchToUnit": await cases.DispatchToUnitAsync(new DispatchToUnitRequest { Id = target.Id, Etag = stale, UnitId = station }); break;
                    case "AssignHandler": await cases.AssignHandlerAsync(new AssignHandlerRequest { Id = target.Id, Etag = stale, HandlerId = handler }); break;
                    case "AcceptAssignment": await cases.AcceptAssignmentAsync(new AcceptAssignmentRequest { Id = target.Id, Etag = stale }); break;
                    case "ReturnAssignment": await cases.ReturnAssignmentAsync(new ReturnAssignmentRequest { Id = target.Id, Etag = stale, Reason = "r" }); break;
                    case "RecordFirstContact": await cases.RecordFirstContactAsync(new RecordFirstContactRequest { Id = target.Id, Etag = stale }); break;
                    case "ReplyToCustomer": await cases.ReplyToCustomerAsync(new ReplyToCustomerRequest { Id = target.Id, Etag = stale, ReplyText = "r" }); break;
                    case "RecordCallback": await cases.RecordCallbackAsync(new RecordCallbackRequest { Id = target.Id, Etag = stale, Satisfied = true, Score = 5 }); break;
                    case "SuspendComplaint": await cases.SuspendComplaintAsync(new SuspendComplaintRequest { Id = target.Id, Etag = stale, Reason = "r" }); break;
                    case "ResumeComplaint": await cases.ResumeComplaintAsync(new ResumeComplaintRequest { Id = target.Id, Etag = stale }); break;
                    case "CloseComplaint": await cases.CloseComplaintAsync(new CloseComplaintRequest { Id = target.Id, Etag = stale, Substantiation = Substantiation.Substantiated }); break;
                    case "ReopenComplaint": await cases.ReopenComplaintAsync(new ReopenComplaintRequest { Id = target.Id, Etag = stale, Reason = "r" }); break;
                    case "RegradeComplaint": await cases.RegradeComplaintAsync(new RegradeComplaintRequest { Id = target.Id, Etag = stale, Level = Level.Major, Reason = "r" }); break;
                    case "ConvertToComplaint": await cases.ConvertToComplaintAsync(new ConvertToComplaintRequest { Id = target.Id, Etag = stale, Reason = "r" }); break;
                    case "CreateUnit": await org.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = Sample.Id("p"), Name = "省", Level = UnitLevel.Province } }); break;
                    case "ListUnits": await org.ListUnitsAsync(new ListUnitsRequest()); break;
                    case "CreateHandler": await org.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = Sample.Id("h"), UnitId = station, Name = "新人" } }); break;
                    case "ListHandlers": await org.ListHandlersAsync(new ListHandlersRequest { UnitId = station }); break;
                    case "ListNotifications": await inbox.ListNotificationsAsync(new ListNotificationsRequest { HandlerId = handler }); break;
                    case "WatchNotifications":
                        using (var watch = inbox.WatchNotifications(new WatchNotificationsRequest { HandlerId = handler }, deadline: DateTime.UtcNow.AddMilliseconds(500)))
                        {
                            try
                            {
                                await watch.ResponseStream.MoveNext(CancellationToken.None);
                            }
                            catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded)
                            {
                                // Admitted: the stream stayed open with nothing new to send.
                            }
                        }
                        break;
                    case "PreviewDeadlines":
                        await sla.PreviewDeadlinesAsync(new PreviewDeadlinesRequest
                        {
                            Channel = ComplaintGrpc.Contracts.V1.Channel.Phone95598, RequestKind = RequestKind.Complaint, Level = Level.Normal,
                            CustomerClass = CustomerClass.Residential, ReceivedTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow),
                        });
                        break;
                    case "LoadCalendarYear":
                        await sla.LoadCalendarYearAsync(new LoadCalendarYearRequest { DocumentJson = """{"year": 2030, "source": "test", "holidays": ["2030-01-01"]}""" });
                        break;
                    case "ListCalendarYears": await sla.ListCalendarYearsAsync(new ListCalendarYearsRequest()); break;
                    case "GetBacklogReport": await reports.GetBacklogReportAsync(new GetBacklogReportRequest()); break;
                    case "ListReports": await reports.ListReportsAsync(new ListReportsRequest()); break;
                    case "RunBacklogReport": await reports.RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = Yesterday }); break;
                    case "DownloadReport":
                        using (var download = reports.DownloadReport(new DownloadReportRequest { Format = ReportFormat.Html }))
                            while (await download.ResponseStream.MoveNext(CancellationToken.None)) { }
                        break;
                    case "GetAnalysisReport": await reports.GetAnalysisReportAsync(new GetAnalysisReportRequest()); break;
                    case "ListAnalysisReports": await reports.ListAnalysisReportsAsync(new ListAnalysisReportsRequest()); break;
                    case "RunAnalysisReport": await reports.RunAnalysisReportAsync(new RunAnalysisReportRequest { Month = LastMonth }); break;
                    case "DownloadAnalysisReport":
                        using (var download = reports.DownloadAnalysisReport(new DownloadAnalysisReportRequest { Format = ReportFormat.Html }))
                            while (await download.ResponseStream.MoveNext(CancellationToken.None)) { }
                        break;
                    case "RecordFinding": await cases.RecordFindingAsync(new RecordFindingRequest { Id = target.Id, Etag = stale, Finding = Evaluation.Findings.Unsubstantiated(target) }); break;
                    case "ChangeFinding":
                        await cases.ChangeFindingAsync(new ChangeFindingRequest { Id = target.Id, Etag = stale, Finding = Evaluation.Findings.Unsubstantiated(target), Reason = "r" });
                        break;
                    case "ApproveClosure": await cases.ApproveClosureAsync(new ApproveClosureRequest { Id = target.Id, Etag = stale }); break;
                    case "RejectClosure": await cases.RejectClosureAsync(new RejectClosureRequest { Id = target.Id, Etag = stale, Reason = "r" }); break;
                    case "ListQualityQueue": await quality.ListQualityQueueAsync(new ListQualityQueueRequest()); break;
                    case "RecordQualityVerdict":
                        await quality.RecordQualityVerdictAsync(new RecordQualityVerdictRequest { Id = target.Id, Etag = stale, Verdict = QualityVerdict.Confirmed, Reason = "r" });
                        break;
                    case "ListAssessments":
                        await quality.ListAssessmentsAsync(new ListAssessmentsRequest { PeriodStart = "2026-11-01", PeriodEnd = "2026-12-01", Grain = AssessmentGrain.Unit });
                        break;
                    case "ListFrequentlyComplained":
                        await quality.ListFrequentlyComplainedAsync(new ListFrequentlyComplainedRequest { Grain = AssessmentGrain.Post });
                        break;
                    case "GetFinding": await cases.GetFindingAsync(new GetFindingRequest { Id = target.Id }); break;
                    case "CreateDepartment":
                        await org.CreateDepartmentAsync(new CreateDepartmentRequest { Department = new Department { DepartmentId = Sample.Id("dep"), UnitId = station, Name = "营销班" } });
                        break;
                    case "ListDepartments": await org.ListDepartmentsAsync(new ListDepartmentsRequest { UnitId = station }); break;
                    case "CreatePost":
                        await org.CreatePostAsync(new CreatePostRequest { Post = new Post { PostId = Sample.Id("post"), DepartmentId = _department, Name = "抄表员" } });
                        break;
                    case "ListPosts": await org.ListPostsAsync(new ListPostsRequest { DepartmentId = _department }); break;
                    case "ListRootCauses": await quality.ListRootCausesAsync(new ListRootCausesRequest()); break;
                    case "DefineRootCause":
                        await quality.DefineRootCauseAsync(new DefineRootCauseRequest { RootCause = new RootCause { Code = "skills", Name = "业务技能", Active = true } });
                        break;
                    case "ListOverdueClocks": await reports.ListOverdueClocksAsync(new ListOverdueClocksRequest { UnitId = station }); break;
                    case "DownloadOverdueClocks":
                        using (var download = reports.DownloadOverdueClocks(new DownloadOverdueClocksRequest { UnitId = station }))
                            while (await download.ResponseStream.MoveNext(CancellationToken.None)) { }
                        break;
                    case "OpenRectification": await rectifications.OpenRectificationAsync(OpenRectification(foreign ? _other : _own)); break;
                    case "GetRectification": await rectifications.GetRectificationAsync(new GetRectificationRequest { Id = rectification.Id }); break;
                    case "ListRectifications": await rectifications.ListRectificationsAsync(new ListRectificationsRequest()); break;
                    case "UpdateRectification":
                        await rectifications.UpdateRectificationAsync(new UpdateRectificationRequest { Id = rectification.Id, Etag = stale, Plan = "p" });
                        break;
                    case "CompleteRectification":
                        await rectifications.CompleteRectificationAsync(new CompleteRectificationRequest { Id = rectification.Id, Etag = stale });
                        break;
                    case "CancelRectification":
                        await rectifications.CancelRectificationAsync(new CancelRectificationRequest { Id = rectification.Id, Etag = stale, Reason = "r" });
                        break;
                    case "GetHotspots": await analysis.GetHotspotsAsync(new GetHotspotsRequest { Filter = period, Grain = HotspotGrain.Feeder }); break;
                    case "DownloadHotspots":
                        using (var download = analysis.DownloadHotspots(new DownloadHotspotsRequest { Filter = period, Shape = HotspotMapShape.Points }))
                            while (await download.ResponseStream.MoveNext(CancellationToken.None)) { }
                        break;
                    case "ListHotspotFlags": await analysis.ListHotspotFlagsAsync(new ListHotspotFlagsRequest { UnitId = station }); break;
                    case "PromoteCase": await library.PromoteCaseAsync(Promote(target)); break;
                    case "GetLibraryCase": await library.GetLibraryCaseAsync(new GetLibraryCaseRequest { Id = libraryCase.Id }); break;
                    case "ListLibraryCases": await library.ListLibraryCasesAsync(new ListLibraryCasesRequest { UnitId = station }); break;
                    case "RetireLibraryCase":
                        await library.RetireLibraryCaseAsync(new RetireLibraryCaseRequest { Id = libraryCase.Id, Etag = stale, Reason = "r" });
                        break;
                    case "PutOutageNotice":
                        await new OutageNoticeService.OutageNoticeServiceClient(channel).PutOutageNoticeAsync(
                            new PutOutageNoticeRequest { Notice = OutageNotice(foreign ? _other : _own, Sample.Id("N")) });
                        break;
                    case "GetOutageNotice":
                        await new OutageNoticeService.OutageNoticeServiceClient(channel).GetOutageNoticeAsync(new GetOutageNoticeRequest { NoticeId = "N-" + _own.County });
                        break;
                    case "ListOutageNotices":
                        await new OutageNoticeService.OutageNoticeServiceClient(channel).ListOutageNoticesAsync(new ListOutageNoticesRequest { UnitId = station });
                        break;
                    case "LoadTaxonomy": await new TaxonomyService.TaxonomyServiceClient(channel).LoadTaxonomyAsync(TaxonomyDocument()); break;
                    case "GetTaxonomy": await new TaxonomyService.TaxonomyServiceClient(channel).GetTaxonomyAsync(new GetTaxonomyRequest { Version = 1 }); break;
                    case "ListTaxonomyVersions":
                        await new TaxonomyService.TaxonomyServiceClient(channel).ListTaxonomyVersionsAsync(new ListTaxonomyVersionsRequest { PageSize = 5 });
                        break;
                    default: throw new ArgumentOutOfRangeException(nameof(rpc), rpc, "no call written for this RPC");
                }
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        }

        public override async Task DisposeAsync()
        {
            foreach (var c in _channels.Values)
                c.Dispose();
            await base.DisposeAsync();
        }
    }
}
