using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.TimeLimits;

public sealed class SlaTests(ServerHost host) : IClassFixture<ServerHost>
{
    private SlaService.SlaServiceClient Sla => new(host.Channel);

    private static Timestamp At(string iso) => Timestamp.FromDateTimeOffset(DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task PreviewDeadlines_answers_the_worked_example_across_national_day_and_a_make_up_saturday()
    {
        var preview = await Sla.PreviewDeadlinesAsync(new PreviewDeadlinesRequest
        {
            Channel = Channel.Phone95598,
            RequestKind = RequestKind.Complaint,
            Level = Level.Normal,
            CustomerClass = CustomerClass.Residential,
            ReceivedTime = At("2026-09-29T10:00:00+08:00"),
        });

        var reply = Assert.Single(preview.Deadlines, d => d.Clock == ClockKind.Reply);
        Assert.Equal(At("2026-10-11T00:00:00+08:00"), reply.DueTime);
        Assert.Equal("4 working days", reply.Limit);
        Assert.True(reply.CalendarCovered);
        var contact = Assert.Single(preview.Deadlines, d => d.Clock == ClockKind.FirstContact);
        Assert.Equal(At("2026-09-30T10:00:00+08:00"), contact.DueTime);
        Assert.Equal([ClockKind.Dispatch, ClockKind.FirstContact, ClockKind.Reply], preview.Deadlines.Select(d => d.Clock));
    }

    [Fact]
    public async Task A_year_the_calendar_lacks_is_flagged_until_an_administrator_loads_it()
    {
        var request = new PreviewDeadlinesRequest
        {
            Channel = Channel.Regulator12398,
            RequestKind = RequestKind.Complaint,
            Level = Level.Normal,
            CustomerClass = CustomerClass.Residential,
            ReceivedTime = At("2027-02-03T09:00:00+08:00"),
        };
        var before = Assert.Single((await Sla.PreviewDeadlinesAsync(request)).Deadlines, d => d.Clock == ClockKind.Reply);
        Assert.False(before.CalendarCovered);
        // Plain weekdays: 10 working days after Wed 3 Feb 2027 end on Wed 17 Feb.
        Assert.Equal(At("2027-02-18T00:00:00+08:00"), before.DueTime);

        // A hypothetical 2027 calendar: Spring Festival off 6-12 Feb, Sunday 14 Feb worked.
        var loaded = await Sla.LoadCalendarYearAsync(new LoadCalendarYearRequest
        {
            DocumentJson = """{"year": 2027, "source": "test notice", "holidays": ["2027-01-01", "2027-02-06/2027-02-12"], "makeUpWorkingDays": ["2027-02-14"]}""",
        });
        Assert.Equal((2027, "loaded"), (loaded.Year, loaded.Origin));

        var after = Assert.Single((await Sla.PreviewDeadlinesAsync(request)).Deadlines, d => d.Clock == ClockKind.Reply);
        Assert.True(after.CalendarCovered);
        // Feb 4, 5, (6-12 off), 14 (make-up), 15, 16, 17, 18, 19, 22, 23 -> 10th working day is Tue 23 Feb.
        Assert.Equal(At("2027-02-24T00:00:00+08:00"), after.DueTime);

        var years = await Sla.ListCalendarYearsAsync(new ListCalendarYearsRequest());
        Assert.Equal([(2025, "shipped"), (2026, "shipped"), (2027, "loaded")], years.Years.Select(y => (y.Year, y.Origin)));
    }

    [Fact]
    public async Task A_bad_calendar_document_is_invalid_argument_and_changes_nothing()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => Sla.LoadCalendarYearAsync(new LoadCalendarYearRequest
        {
            DocumentJson = """{"year": 2028, "source": "x", "holidays": ["2027-05-01"], "makeUpWorkingDays": ["2028-05-03"]}""",
        }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(["document_json"], Sample.BadFields(e));
        var years = await Sla.ListCalendarYearsAsync(new ListCalendarYearsRequest());
        Assert.DoesNotContain(years.Years, y => y.Year == 2028);
    }

    [Fact]
    public async Task A_stored_case_shows_its_deadlines_with_remaining_time_and_suspension_freezes_and_extends_them()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var accepted = await new CaseSteps(host.Complaints, org).AcceptedAsync();
        var contact = accepted.Deadlines.Single(d => d.Clock == ClockKind.FirstContact);
        Assert.Equal(ClockStatus.Running, contact.Status);
        Assert.Equal(accepted.ReceivedTime.ToDateTimeOffset().AddHours(24), contact.DueTime.ToDateTimeOffset());
        Assert.InRange(contact.Remaining.ToTimeSpan(), TimeSpan.FromHours(23), TimeSpan.FromHours(24));
        Assert.Equal(ClockStatus.Met, accepted.Deadlines.Single(d => d.Clock == ClockKind.Dispatch).Status);

        var suspended = await host.Complaints.SuspendComplaintAsync(new SuspendComplaintRequest { Id = accepted.Id, Etag = accepted.Etag, Reason = "客户出差" });
        Assert.Equal(ClockStatus.Suspended, suspended.Deadlines.Single(d => d.Clock == ClockKind.FirstContact).Status);
        var frozen = suspended.Deadlines.Single(d => d.Clock == ClockKind.FirstContact).Remaining;
        var reread = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = accepted.Id });
        Assert.Equal(frozen, reread.Deadlines.Single(d => d.Clock == ClockKind.FirstContact).Remaining);

        var resumed = await host.Complaints.ResumeComplaintAsync(new ResumeComplaintRequest { Id = suspended.Id, Etag = suspended.Etag });
        var resumedContact = resumed.Deadlines.Single(d => d.Clock == ClockKind.FirstContact);
        Assert.Equal(ClockStatus.Running, resumedContact.Status);
        Assert.True(resumedContact.DueTime.ToDateTimeOffset() > contact.DueTime.ToDateTimeOffset(), "the pause moves the clock-hour deadline later");

        var history = await host.Complaints.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = accepted.Id });
        Assert.Contains("FirstContact.remaining", history.Events.Single(e => e.Action == "Suspended").Details.Keys);
        Assert.Contains("FirstContact.due", history.Events.Single(e => e.Action == "Resumed").Details.Keys);
    }

    [Fact]
    public async Task Regrading_to_major_shortens_the_running_deadlines_and_the_history_says_so()
    {
        var request = Sample.Complaint();
        request.ReceivedTime = new Timestamp { Seconds = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds() };
        var c = await host.Complaints.SubmitComplaintAsync(request);
        var reply = c.Deadlines.Single(d => d.Clock == ClockKind.Reply);
        Assert.Equal("4 working days", reply.Limit);

        var regraded = await host.Complaints.RegradeComplaintAsync(new RegradeComplaintRequest { Id = c.Id, Etag = c.Etag, Level = Level.Major, Reason = "媒体关注" });

        Assert.Equal(Level.Major, regraded.Level);
        var shorter = regraded.Deadlines.Single(d => d.Clock == ClockKind.Reply);
        Assert.Equal("2 working days", shorter.Limit);
        Assert.True(shorter.DueTime.ToDateTimeOffset() < reply.DueTime.ToDateTimeOffset());
        Assert.Equal("30 minutes", regraded.Deadlines.Single(d => d.Clock == ClockKind.Dispatch).Limit);
        Assert.Equal(c.Deadlines.Single(d => d.Clock == ClockKind.Reply).StartedTime, shorter.StartedTime);
        var last = (await host.Complaints.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = c.Id })).Events.Last();
        Assert.Equal(("Regraded", "Major", "Normal"), (last.Action, last.Details["level"], last.Details["previous_level"]));
        Assert.Contains("->", last.Details["Reply.due"]);
    }

    [Fact]
    public async Task A_reply_after_a_dissatisfied_callback_runs_a_second_round_of_the_reply_clock()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var replied = await new CaseSteps(host.Complaints, org).RepliedAsync();
        Assert.Equal(ClockStatus.Running, replied.Deadlines.Single(d => d.Clock == ClockKind.Callback).Status);

        var reopened = await host.Complaints.RecordCallbackAsync(new RecordCallbackRequest { Id = replied.Id, Etag = replied.Etag, Satisfied = false, Score = 1 });

        var reply = reopened.Deadlines.Single(d => d.Clock == ClockKind.Reply);
        Assert.Equal((2, ClockStatus.Running), (reply.Round, reply.Status));
        Assert.Equal(ClockStatus.Met, reopened.Deadlines.Single(d => d.Clock == ClockKind.Callback).Status);
    }
}
