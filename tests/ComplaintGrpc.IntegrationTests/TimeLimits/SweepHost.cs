using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Worker;
using ComplaintGrpc.Worker.Notifications;
using ComplaintGrpc.Worker.TimeLimits;
using Dapper;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using Hangfire;
using Hangfire.States;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace ComplaintGrpc.IntegrationTests.TimeLimits;

/// <summary>
/// The real server over its own database with a <see cref="FakeTimeProvider"/> as its clock, and the worker's deadline
/// sweep built in-process on the same clock: a test moves time forward and runs a sweep, with no worker process and no
/// waiting. The clock starts at 09:00 Beijing time a few days ago and only moves forward; a test that needs a local time
/// of day moves to the next one (<see cref="AdvanceToLocal"/>).
/// </summary>
public sealed class SweepHost : ServerHost, IAsyncLifetime
{
    public static readonly TimeZoneInfo Beijing = DeadlineCalculator.DefaultZone;

    public FakeTimeProvider Clock { get; } = new(Start());
    public GrpcChannel Desk { get; private set; } = null!;
    public new ComplaintService.ComplaintServiceClient Complaints => new(Desk);
    public new OrganizationService.OrganizationServiceClient Organization => new(Desk);

    private static DateTimeOffset Start()
    {
        var today = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Beijing).Date;
        return new DateTimeOffset(today.AddDays(-5).AddHours(9), TimeSpan.FromHours(8));
    }

    protected override void Configure(WebApplicationBuilder builder) => builder.Services.AddSingleton<TimeProvider>(Clock);

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // Valid at the fake instants and at the real one alike.
        Desk = ChannelFor(DevTokens.Mint(Auth, "sweep-desk", [Roles.Supervisor, Roles.Administrator],
            lifetime: TimeSpan.FromDays(30), now: Clock.GetUtcNow().AddDays(-1)));
    }

    public new async Task DisposeAsync()
    {
        Desk?.Dispose();
        await base.DisposeAsync();
    }

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>Moves the clock to the next instant (after now) at which Beijing local time is <paramref name="hour"/>:<paramref name="minute"/>.</summary>
    public DateTimeOffset AdvanceToLocal(int hour, int minute = 0)
    {
        var local = TimeZoneInfo.ConvertTime(Now, Beijing);
        var target = new DateTimeOffset(local.Date.AddHours(hour).AddMinutes(minute), TimeSpan.FromHours(8));
        if (target <= local)
            target = target.AddDays(1);
        Clock.SetUtcNow(target);
        return target;
    }

    public void AdvanceTo(DateTimeOffset at) => Clock.SetUtcNow(at);

    /// <summary>The worker's deadline sweep, on this host's clock and database.</summary>
    public DeadlineSweepJob Sweep(MilestoneOptions? milestones = null) =>
        new(Database, Clock, Options.Create(milestones ?? new MilestoneOptions()), Options.Create(new WorkerOptions()),
            NullLogger<DeadlineSweepJob>.Instance);

    public Task<int> SweepAsync(MilestoneOptions? milestones = null) => Sweep(milestones).SweepAsync(CancellationToken.None);

    /// <summary>The worker's outbox sweep on this host's clock and database, delivering to the inbox only.</summary>
    public Task OutboxAsync() =>
        new OutboxSweepJob(Database, new NoExternalDeliveries(), Clock, Options.Create(new WorkerOptions()),
                Options.Create(new NotificationOptions()), [new InboxChannel()], NullLogger<OutboxSweepJob>.Instance)
            .SweepAsync(CancellationToken.None);

    /// <summary>With the inbox as the only channel nothing may be handed to Hangfire; a test that does fails loudly.</summary>
    private sealed class NoExternalDeliveries : IBackgroundJobClient
    {
        public string Create(Hangfire.Common.Job job, IState state) =>
            throw new InvalidOperationException("The inbox is delivered by the outbox sweep itself; no Hangfire job was expected.");

        public bool ChangeState(string jobId, IState state, string expectedState) => throw new NotSupportedException();
    }

    public sealed record Org(Sample.Org Units, string StationHead, string CountyHead, string CityHead);

    /// <summary>The sample chain with a supervisor (head) at the station, the county and the city.</summary>
    public async Task<Org> OrganizationWithHeadsAsync()
    {
        var units = await Sample.OrganizationAsync(Organization);
        async Task<string> Head(string unit)
        {
            var id = Sample.Id("head");
            await Organization.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = id, UnitId = unit, Name = "主管", Role = HandlerRole.Supervisor } });
            return id;
        }
        return new Org(units, await Head(units.Station), await Head(units.County), await Head(units.City));
    }

    /// <summary>A case received at <paramref name="receivedAt"/>, dispatched to the station and assigned to its handler now.</summary>
    public async Task<Complaint> AssignedCaseAsync(Org org, DateTimeOffset receivedAt, Level level = Level.Normal)
    {
        var request = Sample.Complaint();
        request.Level = level;
        request.ReceivedTime = Timestamp.FromDateTimeOffset(receivedAt);
        var c = await Complaints.SubmitComplaintAsync(request);
        c = await Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = org.Units.Station });
        return await Complaints.AssignHandlerAsync(new AssignHandlerRequest { Id = c.Id, Etag = c.Etag, HandlerId = org.Units.Handler });
    }

    public sealed record Raised(string HandlerId, string Kind, string Clock, string Milestone, bool Late, DateTime CreatedAt,
        DateTime DeliverAfter, DateTime MilestoneAt);

    public async Task<List<Raised>> RaisedAsync(string complaintId, string clock)
    {
        await using var c = await Database.OpenConnectionAsync();
        return [.. await c.QueryAsync<Raised>("""
            SELECT handler_id, kind, clock, milestone, late, created_at, deliver_after, milestone_at FROM notifications
            WHERE complaint_id = @id::uuid AND clock = @clock ORDER BY milestone_at, handler_id
            """, new { id = complaintId, clock })];
    }

    /// <summary>When the worker must next look at the clock (null: never, as it stands).</summary>
    public async Task<DateTimeOffset?> NextActionAtAsync(string complaintId, string clock)
    {
        await using var c = await Database.OpenConnectionAsync();
        var at = await c.ExecuteScalarAsync<DateTime?>(
            "SELECT next_action_at FROM case_clocks WHERE complaint_id = @id::uuid AND clock = @clock", new { id = complaintId, clock });
        return at is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null;
    }
}
