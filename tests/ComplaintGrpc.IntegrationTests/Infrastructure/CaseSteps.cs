using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.IntegrationTests.Infrastructure;

/// <summary>Drives a case through its lifecycle over gRPC, step by step, always with the latest etag.</summary>
public sealed class CaseSteps(ComplaintService.ComplaintServiceClient client, Sample.Org org)
{
    public async Task<Complaint> SubmittedAsync() => await client.SubmitComplaintAsync(Sample.Complaint());

    public async Task<Complaint> DispatchedAsync() =>
        await Dispatch(await SubmittedAsync());

    public async Task<Complaint> AssignedAsync() =>
        await client.AssignHandlerAsync(new AssignHandlerRequest { Id = (await DispatchedAsync()).Id, Etag = "2", HandlerId = org.Handler });

    public async Task<Complaint> AcceptedAsync()
    {
        var c = await AssignedAsync();
        return await client.AcceptAssignmentAsync(new AcceptAssignmentRequest { Id = c.Id, Etag = c.Etag });
    }

    public async Task<Complaint> ContactedAsync()
    {
        var c = await AcceptedAsync();
        return await client.RecordFirstContactAsync(new RecordFirstContactRequest { Id = c.Id, Etag = c.Etag, Note = "电话联系客户" });
    }

    public async Task<Complaint> RepliedAsync()
    {
        var c = await ContactedAsync();
        return await client.ReplyToCustomerAsync(new ReplyToCustomerRequest { Id = c.Id, Etag = c.Etag, ReplyText = "线路故障已修复。" });
    }

    public async Task<Complaint> CalledBackAsync()
    {
        var c = await RepliedAsync();
        return await client.RecordCallbackAsync(new RecordCallbackRequest { Id = c.Id, Etag = c.Etag, Satisfied = true, Score = 5 });
    }

    public async Task<Complaint> ClosedAsync()
    {
        var c = await Evaluation.Findings.RecordAsync(client, await CalledBackAsync());
        return await client.CloseComplaintAsync(new CloseComplaintRequest { Id = c.Id, Etag = c.Etag, Substantiation = Substantiation.Substantiated });
    }

    /// <summary>A major case closed by the desk with a finding: the review chain holds it for the level above.</summary>
    public async Task<Complaint> InReviewAsync()
    {
        var c = await CalledBackAsync();
        c = await client.RegradeComplaintAsync(new RegradeComplaintRequest { Id = c.Id, Etag = c.Etag, Level = Level.Major, Reason = "媒体关注" });
        c = await Evaluation.Findings.RecordAsync(client, c);
        return await client.CloseComplaintAsync(new CloseComplaintRequest { Id = c.Id, Etag = c.Etag });
    }

    public async Task<Complaint> SuspendedAsync()
    {
        var c = await AcceptedAsync();
        return await client.SuspendComplaintAsync(new SuspendComplaintRequest { Id = c.Id, Etag = c.Etag, Reason = "等待客户提供资料" });
    }

    public async Task<Complaint> InStatusAsync(CaseStatus status) => status switch
    {
        CaseStatus.Received => await SubmittedAsync(),
        CaseStatus.Dispatched => await DispatchedAsync(),
        CaseStatus.Assigned => await AssignedAsync(),
        CaseStatus.Accepted => await AcceptedAsync(),
        CaseStatus.Contacted => await ContactedAsync(),
        CaseStatus.Replied => await RepliedAsync(),
        CaseStatus.CalledBack => await CalledBackAsync(),
        CaseStatus.Closed => await ClosedAsync(),
        CaseStatus.Suspended => await SuspendedAsync(),
        CaseStatus.InReview => await InReviewAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    private async Task<Complaint> Dispatch(Complaint c) =>
        await client.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = org.Station });
}
