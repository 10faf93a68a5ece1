using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using Dapper;
using Grpc.Core;
using Npgsql;

namespace ComplaintGrpc.IntegrationTests.Evaluation;

/// <summary>属实性认定 over real gRPC: a case closes only with a recorded finding; bad findings store nothing; a closed
/// case's finding changes only one level up, with a reason, keeping both versions.</summary>
public sealed class FindingTests(ServerHost host) : IClassFixture<ServerHost>, IAsyncLifetime
{
    private Sample.Org _org = null!;
    private CaseSteps _steps = null!;
    private ComplaintService.ComplaintServiceClient _station = null!;
    private ComplaintService.ComplaintServiceClient _county = null!;
    private string _department = "", _post = "", _otherDepartment = "";
    private ComplaintService.ComplaintServiceClient Desk => host.Complaints;

    public async Task InitializeAsync()
    {
        _org = await Sample.OrganizationAsync(host.Organization);
        _steps = new CaseSteps(Desk, _org);
        _station = new(host.ChannelFor(host.Token("sup-station", [Roles.Supervisor], _org.Station)));
        _county = new(host.ChannelFor(host.Token("sup-county", [Roles.Supervisor], _org.County)));
        _department = Sample.Id("dep");
        _otherDepartment = Sample.Id("dep");
        _post = Sample.Id("post");
        await host.Organization.CreateDepartmentAsync(new CreateDepartmentRequest { Department = new Department { DepartmentId = _department, UnitId = _org.Station, Name = "营销班" } });
        await host.Organization.CreateDepartmentAsync(new CreateDepartmentRequest { Department = new Department { DepartmentId = _otherDepartment, UnitId = _org.County, Name = "运检部" } });
        await host.Organization.CreatePostAsync(new CreatePostRequest { Post = new Post { PostId = _post, DepartmentId = _department, Name = "抄表员" } });
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private Finding PartlyByMarketing(Complaint c)
    {
        var f = Findings.Substantiated(c);
        f.Outcome = Substantiation.PartlySubstantiated;
        f.Responsibility = new Responsibility { ResponsibilityClass = ResponsibilityClass.Marketing, UnitId = _org.Station, DepartmentId = _department, PostId = _post, StaffId = "E1024" };
        f.RootCauses.Clear();
        f.RootCauses.Add(new RootCauseFinding { CauseCode = "metering_billing", Note = "估抄导致电费偏高" });
        f.RootCauses.Add(new RootCauseFinding { CauseCode = "service_awareness", Note = "未向客户解释" });
        return f;
    }

    private async Task<Complaint> Read(Complaint c) => await Desk.GetComplaintAsync(new GetComplaintRequest { Id = c.Id });

    [Fact]
    public async Task A_close_without_a_finding_is_refused_naming_what_is_missing_and_changes_nothing()
    {
        var c = await _steps.CalledBackAsync();

        var e = await Assert.ThrowsAsync<RpcException>(() => _station.CloseComplaintAsync(
            new CloseComplaintRequest { Id = c.Id, Etag = c.Etag, Substantiation = Substantiation.Substantiated }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal("FINDING_REQUIRED", Sample.ErrorInfo(e).Reason);
        Assert.Equal(["finding.outcome", "finding.basis", "finding.investigator_id", "finding.investigated_time"], Sample.BadFields(e));
        Assert.Equal(Sample.Stored(c), Sample.Stored(await Read(c)));
    }

    [Fact]
    public async Task A_close_that_contradicts_the_recorded_finding_is_refused()
    {
        var c = await Findings.RecordAsync(_station, await _steps.CalledBackAsync(), Findings.Unsubstantiated(await _steps.CalledBackAsync()));

        var e = await Assert.ThrowsAsync<RpcException>(() => _station.CloseComplaintAsync(
            new CloseComplaintRequest { Id = c.Id, Etag = c.Etag, Substantiation = Substantiation.Substantiated }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal("FINDING_MISMATCH", Sample.ErrorInfo(e).Reason);
        Assert.Equal(CaseStatus.CalledBack, (await Read(c)).Status);
    }

    [Fact]
    public async Task A_recorded_finding_with_evidence_responsibility_and_causes_closes_the_case_with_its_outcome()
    {
        var c = await _steps.CalledBackAsync();
        var finding = PartlyByMarketing(c);

        var recorded = await Findings.RecordAsync(_station, c, finding);
        var closed = await _station.CloseComplaintAsync(new CloseComplaintRequest { Id = c.Id, Etag = recorded.Etag, ReviewNote = "同意" });

        Assert.Equal(CaseStatus.CalledBack, recorded.Status);
        Assert.Equal(CaseStatus.Closed, closed.Status);
        Assert.Equal(Substantiation.PartlySubstantiated, closed.Substantiation);
        var stored = await Desk.GetFindingAsync(new GetFindingRequest { Id = c.Id });
        var expected = finding.Clone();
        expected.Version = 1;
        expected.RecordedBy = "sup-station";
        expected.RecordedByUnitId = _org.Station;
        expected.RecordedTime = stored.Current.RecordedTime;
        // Causes come back in code order.
        expected.RootCauses.Clear();
        expected.RootCauses.Add(finding.RootCauses.OrderBy(r => r.CauseCode, StringComparer.Ordinal));
        Assert.Equal(expected, stored.Current);
        Assert.Equal([expected], stored.Versions);
        var history = await Desk.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = c.Id });
        var entry = history.Events.Single(ev => ev.ActionKind == CaseAction.FindingRecorded);
        Assert.Equal(("1", "PartlySubstantiated", "Marketing", _post, "metering_billing,service_awareness"),
            (entry.Details["finding_version"], entry.Details["outcome"], entry.Details["responsibility_class"], entry.Details["responsible_post_id"], entry.Details["root_causes"]));
        Assert.Equal("sup-station", entry.Actor);
    }

    [Fact]
    public async Task An_incomplete_finding_is_invalid_argument_naming_each_field_and_stores_nothing()
    {
        var c = await _steps.CalledBackAsync();
        var substantiatedWithoutParty = Findings.Substantiated(c);
        substantiatedWithoutParty.Responsibility = null;
        substantiatedWithoutParty.RootCauses.Clear();
        substantiatedWithoutParty.Basis = "";
        var unsubstantiatedWithCauses = Findings.Unsubstantiated(c);
        unsubstantiatedWithCauses.RootCauses.Add(new RootCauseFinding { CauseCode = "skills", Note = "x" });
        unsubstantiatedWithCauses.InvestigatedTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddDays(1));
        var marketingWithoutUnit = PartlyByMarketing(c);
        marketingWithoutUnit.Responsibility.UnitId = "";
        marketingWithoutUnit.Responsibility.PostId = "";
        marketingWithoutUnit.RootCauses.Add(new RootCauseFinding { CauseCode = "skills", Note = "" });

        var cases = new (Finding Finding, string[] Fields)[]
        {
            (substantiatedWithoutParty, ["finding.basis", "finding.responsibility", "finding.root_causes"]),
            (unsubstantiatedWithCauses, ["finding.investigated_time", "finding.root_causes"]),
            (marketingWithoutUnit, ["finding.responsibility.unit_id", "finding.responsibility.post_id", "finding.responsibility.unit_id", "finding.root_causes[2].note"]),
        };
        foreach (var (finding, fields) in cases)
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => _station.RecordFindingAsync(new RecordFindingRequest { Id = c.Id, Etag = c.Etag, Finding = finding }).ResponseAsync);
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Equal(fields.Order(), Sample.BadFields(e).Order());
        }
        Assert.Empty((await Desk.GetFindingAsync(new GetFindingRequest { Id = c.Id })).Versions);
        Assert.Equal(Sample.Stored(c), Sample.Stored(await Read(c)));
    }

    [Fact]
    public async Task Unknown_or_mismatched_references_are_refused_and_store_nothing()
    {
        var c = await _steps.CalledBackAsync();
        var unknownCause = PartlyByMarketing(c);
        unknownCause.RootCauses[0].CauseCode = "no_such_cause";
        var foreignDepartment = PartlyByMarketing(c);
        foreignDepartment.Responsibility.DepartmentId = _otherDepartment;

        var e1 = await Assert.ThrowsAsync<RpcException>(() => _station.RecordFindingAsync(new RecordFindingRequest { Id = c.Id, Etag = c.Etag, Finding = unknownCause }).ResponseAsync);
        var e2 = await Assert.ThrowsAsync<RpcException>(() => _station.RecordFindingAsync(new RecordFindingRequest { Id = c.Id, Etag = c.Etag, Finding = foreignDepartment }).ResponseAsync);

        Assert.Equal((StatusCode.NotFound, "ROOT_CAUSE_NOT_FOUND"), (e1.StatusCode, Sample.ErrorInfo(e1).Reason));
        Assert.Equal((StatusCode.FailedPrecondition, "DEPARTMENT_NOT_IN_UNIT"), (e2.StatusCode, Sample.ErrorInfo(e2).Reason));
        Assert.Empty((await Desk.GetFindingAsync(new GetFindingRequest { Id = c.Id })).Versions);
        Assert.Equal(Sample.Stored(c), Sample.Stored(await Read(c)));
    }

    [Fact]
    public async Task A_closed_cases_finding_changes_only_one_level_up_with_a_reason_and_keeps_both_versions()
    {
        var c = await _steps.CalledBackAsync();
        c = await Findings.RecordAsync(_station, c, Findings.Unsubstantiated(c));
        var closed = await _station.CloseComplaintAsync(new CloseComplaintRequest { Id = c.Id, Etag = c.Etag });
        var changed = PartlyByMarketing(closed);

        var again = await Assert.ThrowsAsync<RpcException>(() => _station.RecordFindingAsync(new RecordFindingRequest { Id = c.Id, Etag = closed.Etag, Finding = changed }).ResponseAsync);
        var sameLevel = await Assert.ThrowsAsync<RpcException>(() => _station.ChangeFindingAsync(new ChangeFindingRequest { Id = c.Id, Etag = closed.Etag, Finding = changed, Reason = "复核" }).ResponseAsync);
        var noReason = await Assert.ThrowsAsync<RpcException>(() => _county.ChangeFindingAsync(new ChangeFindingRequest { Id = c.Id, Etag = closed.Etag, Finding = changed }).ResponseAsync);
        var after = await _county.ChangeFindingAsync(new ChangeFindingRequest { Id = c.Id, Etag = closed.Etag, Finding = changed, Reason = "县公司复核：估抄属实" });

        Assert.Equal((StatusCode.FailedPrecondition, "ILLEGAL_TRANSITION"), (again.StatusCode, Sample.ErrorInfo(again).Reason));
        Assert.Equal((StatusCode.PermissionDenied, "NOT_ONE_LEVEL_UP"), (sameLevel.StatusCode, Sample.ErrorInfo(sameLevel).Reason));
        Assert.Equal(["reason"], Sample.BadFields(noReason));
        Assert.Equal((CaseStatus.Closed, Substantiation.PartlySubstantiated), (after.Status, after.Substantiation));
        var versions = (await Desk.GetFindingAsync(new GetFindingRequest { Id = c.Id })).Versions;
        Assert.Equal([(1, Substantiation.Unsubstantiated, "sup-station", ""), (2, Substantiation.PartlySubstantiated, "sup-county", "县公司复核：估抄属实")],
            versions.Select(v => (v.Version, v.Outcome, v.RecordedBy, v.ChangeReason)));
        var history = await Desk.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = c.Id });
        var change = history.Events.Single(ev => ev.ActionKind == CaseAction.FindingChanged);
        Assert.Equal(("2", "PartlySubstantiated", "1", "Unsubstantiated", "县公司复核：估抄属实", "sup-county"),
            (change.Details["finding_version"], change.Details["outcome"], change.Details["previous_version"], change.Details["previous_outcome"], change.Details["reason"], change.Actor));
        Assert.Equal(CaseStatus.Closed, change.FromStatus);
        Assert.Equal(CaseStatus.Closed, change.ToStatus);
    }

    [Fact]
    public async Task The_database_refuses_to_change_or_delete_a_stored_finding()
    {
        var c = await Findings.RecordAsync(_station, await _steps.CalledBackAsync());
        await using var connection = await host.Database.OpenConnectionAsync();

        var update = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(
            "UPDATE case_findings SET outcome = 'Unsubstantiated' WHERE complaint_id = @id", new { id = Guid.Parse(c.Id) }));
        var delete = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync(
            "DELETE FROM case_finding_causes WHERE complaint_id = @id", new { id = Guid.Parse(c.Id) }));

        Assert.Contains("append-only", update.MessageText, StringComparison.Ordinal);
        Assert.Contains("append-only", delete.MessageText, StringComparison.Ordinal);
    }
}
