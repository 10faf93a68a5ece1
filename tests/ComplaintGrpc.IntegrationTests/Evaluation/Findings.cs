using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.IntegrationTests.Evaluation;

/// <summary>Complete findings for a case, investigated at its reply (or receipt): after receipt and never in the future.</summary>
public static class Findings
{
    /// <summary>Substantiated, charged to a partner (so no unit, department or post is needed), one seeded root cause.</summary>
    public static Finding Substantiated(Complaint c) => new()
    {
        Outcome = Substantiation.Substantiated,
        Basis = "现场核查：施工单位挖断电缆，停电属实。",
        Evidence = { new EvidenceReference { AttachmentId = "att-0001", Kind = "photo", Description = "电缆断点照片" } },
        InvestigatorId = "inv-zhou",
        InvestigatedTime = c.ReplyTime ?? c.ReceivedTime,
        Responsibility = new Responsibility { ResponsibilityClass = ResponsibilityClass.Partner },
        RootCauses = { new RootCauseFinding { CauseCode = "weather_external", Note = "外力破坏：施工挖断" } },
    };

    public static Finding Unsubstantiated(Complaint c) => new()
    {
        Outcome = Substantiation.Unsubstantiated,
        Basis = "调取停电记录：该时段无停电。",
        Evidence = { new EvidenceReference { AttachmentId = "rec-42", Kind = "outage-log" } },
        InvestigatorId = "inv-zhou",
        InvestigatedTime = c.ReplyTime ?? c.ReceivedTime,
    };

    /// <summary>Records <paramref name="finding"/> (default: substantiated) with the case's etag; returns the case after it.</summary>
    public static async Task<Complaint> RecordAsync(ComplaintService.ComplaintServiceClient client, Complaint c, Finding? finding = null) =>
        await client.RecordFindingAsync(new RecordFindingRequest { Id = c.Id, Etag = c.Etag, Finding = finding ?? Substantiated(c) });
}

/// <summary>Drives a submission of the caller's own making through to CALLED_BACK at the organisation's station.</summary>
public static class Lifecycle
{
    public static async Task<Complaint> CalledBackAsync(ComplaintService.ComplaintServiceClient desk, Infrastructure.Sample.Org org, SubmitComplaintRequest submit)
    {
        var c = await desk.SubmitComplaintAsync(submit);
        c = await desk.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = org.Station });
        c = await desk.AssignHandlerAsync(new AssignHandlerRequest { Id = c.Id, Etag = c.Etag, HandlerId = org.Handler });
        c = await desk.AcceptAssignmentAsync(new AcceptAssignmentRequest { Id = c.Id, Etag = c.Etag });
        c = await desk.RecordFirstContactAsync(new RecordFirstContactRequest { Id = c.Id, Etag = c.Etag });
        c = await desk.ReplyToCustomerAsync(new ReplyToCustomerRequest { Id = c.Id, Etag = c.Etag, ReplyText = "已核实处理" });
        return await desk.RecordCallbackAsync(new RecordCallbackRequest { Id = c.Id, Etag = c.Etag, Satisfied = true, Score = 4 });
    }

    /// <summary>Called back, finding recorded by <paramref name="reviewer"/>, closed by them.</summary>
    public static async Task<Complaint> ClosedAsync(ComplaintService.ComplaintServiceClient desk, ComplaintService.ComplaintServiceClient reviewer,
        Infrastructure.Sample.Org org, SubmitComplaintRequest submit, bool substantiated = false)
    {
        var c = await CalledBackAsync(desk, org, submit);
        c = await Findings.RecordAsync(reviewer, c, substantiated ? Findings.Substantiated(c) : Findings.Unsubstantiated(c));
        return await reviewer.CloseComplaintAsync(new CloseComplaintRequest { Id = c.Id, Etag = c.Etag });
    }
}
