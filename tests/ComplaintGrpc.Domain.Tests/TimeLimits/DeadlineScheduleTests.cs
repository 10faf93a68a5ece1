using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.TimeLimits;
using static ComplaintGrpc.Domain.Tests.TimeLimits.TestTimes;


namespace ComplaintGrpc.Domain.Tests.TimeLimits;

public class DeadlineScheduleTests
{
    private static readonly WorkingDayCalendar China = WorkingDayCalendar.ChinaDefault();

    private static readonly CaseAttributes NormalComplaint =
        new(Channel.Phone95598, RequestKind.Complaint, Level.Normal, CustomerClass.Residential);

    [Fact]
    public void Preview_lists_the_clocks_that_start_at_receipt()
    {
        var schedule = DeadlineSchedule.Preview(At("2026-09-29T10:00+08:00"), NormalComplaint, DeadlinePolicy.Default, China);

        Assert.Equal([ClockKind.Dispatch, ClockKind.FirstContact, ClockKind.Reply], schedule.Select(s => s.Clock));
        Assert.Equal(At("2026-09-29T12:00+08:00"), schedule[0].DueAt);
        Assert.Equal(At("2026-09-30T10:00+08:00"), schedule[1].DueAt);
        Assert.Equal(At("2026-10-11T00:00+08:00"), schedule[2].DueAt);
        Assert.Equal(["2 hours", "24 hours", "4 working days"], schedule.Select(s => s.LimitText));
        Assert.All(schedule, s => Assert.True(s.CalendarCovered));
    }

    [Fact]
    public void Re_grading_to_major_shortens_the_reply_deadline()
    {
        var received = At("2026-09-29T10:00+08:00");
        var before = DeadlineSchedule.Preview(received, NormalComplaint, DeadlinePolicy.Default, China);

        var after = DeadlineSchedule.Preview(received, NormalComplaint with { Level = Level.Major }, DeadlinePolicy.Default, China);

        var reply = after.Single(s => s.Clock == ClockKind.Reply);
        Assert.Equal("2 working days", reply.LimitText);
        Assert.Equal(At("2026-10-09T00:00+08:00"), reply.DueAt); // Sep 30, Oct 8
        Assert.True(reply.DueAt < before.Single(s => s.Clock == ClockKind.Reply).DueAt);
        Assert.Equal(At("2026-09-29T10:30+08:00"), after.Single(s => s.Clock == ClockKind.Dispatch).DueAt);
        Assert.Equal(At("2026-09-29T22:00+08:00"), after.Single(s => s.Clock == ClockKind.FirstContact).DueAt);
    }

    [Fact]
    public void Callback_is_counted_from_the_reply()
    {
        var callback = DeadlineSchedule.Callback(At("2026-10-09T15:00+08:00"), NormalComplaint, DeadlinePolicy.Default, China);

        Assert.Equal(ClockKind.Callback, callback.Clock);
        Assert.Equal("2 working days", callback.LimitText);
        Assert.Equal(At("2026-10-13T00:00+08:00"), callback.DueAt); // Sat Oct 10 make-up, Mon Oct 12
    }

    [Fact]
    public void Preview_flags_only_the_working_day_clock_in_an_uncovered_year()
    {
        var schedule = DeadlineSchedule.Preview(At("2026-12-30T10:00+08:00"), NormalComplaint, DeadlinePolicy.Default, China);

        Assert.True(schedule.Single(s => s.Clock == ClockKind.Dispatch).CalendarCovered);
        Assert.True(schedule.Single(s => s.Clock == ClockKind.FirstContact).CalendarCovered);
        Assert.False(schedule.Single(s => s.Clock == ClockKind.Reply).CalendarCovered);
    }

    [Fact]
    public void A_12345_referral_gets_calendar_days_regardless_of_holidays()
    {
        var attributes = new CaseAttributes(Channel.CityHotline12345, RequestKind.Complaint, Level.Normal, CustomerClass.Residential);

        var reply = DeadlineSchedule.Preview(At("2026-09-30T18:00+08:00"), attributes, DeadlinePolicy.Default, China)
            .Single(s => s.Clock == ClockKind.Reply);

        Assert.Equal(At("2026-10-08T00:00+08:00"), reply.DueAt);
    }
}
