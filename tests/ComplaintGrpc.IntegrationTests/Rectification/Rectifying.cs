using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Rectification;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.IntegrationTests.TimeLimits;
using ComplaintGrpc.Worker;
using ComplaintGrpc.Worker.Rectification;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ComplaintGrpc.IntegrationTests.Rectification;

/// <summary>Steps the rectification tests share, on a <see cref="SweepHost"/> (real server, fake clock, the worker's
/// jobs built in-process on the same clock and database).</summary>
public static class Rectifying
{
    public static readonly MilestoneOptions NoQuietHours = new() { QuietHoursStart = new TimeOnly(0, 0), QuietHoursEnd = new TimeOnly(0, 0) };

    public static RectificationService.RectificationServiceClient Client(SweepHost host) => new(host.Desk);

    /// <summary>The local (Beijing) date <paramref name="days"/> after the host's now, as the contract writes it.</summary>
    public static string DueDate(SweepHost host, int days) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(host.Now, SweepHost.Beijing).DateTime).AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A case received at <paramref name="receivedAt"/> on <paramref name="feeder"/>, dispatched to <paramref name="unitId"/>.</summary>
    public static async Task<Complaint> CaseAsync(SweepHost host, string unitId, DateTimeOffset receivedAt, string feeder,
        Category category = Category.Outage, SubCategory subCategory = SubCategory.Outage)
    {
        var request = Sample.Complaint();
        request.ReceivedTime = Timestamp.FromDateTimeOffset(receivedAt);
        request.Location.Feeder = feeder;
        request.Category = category;
        request.SubCategory = subCategory;
        var c = await host.Complaints.SubmitComplaintAsync(request);
        return await host.Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = unitId });
    }

    /// <summary>A case received an hour ago, worked to the end and closed with a substantiated finding.</summary>
    public static async Task<Complaint> SubstantiatedAsync(SweepHost host, Sample.Org org)
    {
        var submit = Sample.Complaint();
        submit.ReceivedTime = Timestamp.FromDateTimeOffset(host.Now.AddHours(-1));
        var c = await Evaluation.Lifecycle.CalledBackAsync(host.Complaints, org, submit);
        c = await Evaluation.Findings.RecordAsync(host.Complaints, c);
        return await host.Complaints.CloseComplaintAsync(new CloseComplaintRequest { Id = c.Id, Etag = c.Etag, Substantiation = Substantiation.Substantiated });
    }

    public static OpenRectificationRequest FromHotspot(SweepHost host, string ownerUnitId, string hotspotUnitId, string feeder, int target = 50) => new()
    {
        RequestId = Sample.Id("rq"),
        OwnerUnitId = ownerUnitId,
        Plan = $"{feeder} 更换老旧导线, 加装分段开关",
        DueDate = DueDate(host, 3),
        TargetReductionPercent = target,
        EvaluationDays = 7,
        Hotspot = new HotspotReference { Grain = RectificationGrain.Feeder, Key = feeder, UnitId = hotspotUnitId },
        Scope = new RectificationScope { Categories = { Category.Outage } },
    };

    public static RectificationSweepJob Sweep(SweepHost host) =>
        new(host.Database, host.Clock, Options.Create(NoQuietHours), Options.Create(new RectificationWorkOptions()), Options.Create(new WorkerOptions()),
            NullLogger<RectificationSweepJob>.Instance);

    public static Task<int> EvaluateAsync(SweepHost host) =>
        new RectificationEvaluationJob(host.Database, host.Clock, Options.Create(new RectificationWorkOptions()), NullLogger<RectificationEvaluationJob>.Instance)
            .EvaluateAsync(CancellationToken.None);

    public sealed record Raised(string HandlerId, string Kind, string Milestone, Guid? ComplaintId);

    /// <summary>Every notification raised about the rectification, in milestone order.</summary>
    public static async Task<List<Raised>> RaisedAsync(SweepHost host, string rectificationId)
    {
        await using var c = await host.Database.OpenConnectionAsync();
        return [.. await c.QueryAsync<Raised>("""
            SELECT handler_id, kind, milestone, complaint_id FROM notifications WHERE rectification_id = @id::uuid ORDER BY milestone_at, handler_id
            """, new { id = rectificationId })];
    }

    public static Task<ComplaintGrpc.Contracts.V1.Rectification> GetAsync(SweepHost host, string id) =>
        Client(host).GetRectificationAsync(new GetRectificationRequest { Id = id }).ResponseAsync;

    /// <summary>The domain's definition of the due instant, for expectations.</summary>
    public static DateTimeOffset DueAt(string dueDate) =>
        Rectifications.DueAt(DateOnly.ParseExact(dueDate, "yyyy-MM-dd", CultureInfo.InvariantCulture), SweepHost.Beijing);
}
