using System.Diagnostics;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.IntegrationTests.TimeLimits;
using ComplaintGrpc.Storage.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace ComplaintGrpc.IntegrationTests.Telemetry;

/// <summary>
/// A submit and the reminder it causes hours later are one trace link apart: the intake's trace reaches the server
/// over gRPC (traceparent), the submit stores it with the case, and the deadline sweep's batch span links to it. Spans
/// are collected in memory from the real server and the in-process sweep.
/// </summary>
[Trait("Tier", "Integration")]
public sealed class TraceLinkTests(SweepHost host) : IClassFixture<SweepHost>
{
    private static readonly MilestoneOptions NoQuietHours = new() { QuietHoursStart = new TimeOnly(0, 0), QuietHoursEnd = new TimeOnly(0, 0) };

    [Fact]
    public async Task The_deadline_batch_that_raises_a_reminder_links_to_the_trace_of_the_submit()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(ComplaintTelemetry.Name).AddInMemoryExporter(spans).Build();
        var org = await host.OrganizationWithHeadsAsync();
        var start = host.AdvanceToLocal(9);

        // The intake desk's own trace; its context goes to the server in the traceparent header.
        var intake = new Activity("intake desk submits").SetIdFormat(ActivityIdFormat.W3C).Start();
        var c = await host.AssignedCaseAsync(org, start);
        intake.Stop();
        Activity.Current = null;

        host.AdvanceTo(start.AddHours(12));
        await host.SweepAsync(NoQuietHours);
        Assert.Contains(await host.RaisedAsync(c.Id, "FirstContact"), r => r.Milestone == "reminder-50");

        Activity[] batches;
        lock (spans)
            batches = [.. spans.Where(s => s.DisplayName == "deadline batch" && s.Links.Any(l => l.Context.TraceId == intake.TraceId))];
        var batch = Assert.Single(batches);
        Assert.NotEqual(intake.TraceId, batch.TraceId);
        var link = Assert.Single(batch.Links, l => l.Context.TraceId == intake.TraceId);
        Assert.Contains(link.Tags!, t => t.Key == "complaint.id" && (string?)t.Value == c.Id);
    }
}
