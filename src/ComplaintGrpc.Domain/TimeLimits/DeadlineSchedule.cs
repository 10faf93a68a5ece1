using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>One clock's deadline in a schedule.</summary>
public sealed record ScheduledDeadline(ClockKind Clock, Deadline Deadline)
{
    public DateTimeOffset DueAt => Deadline.DueAt;

    /// <summary>The limit in its text form, e.g. "4 working days".</summary>
    public string LimitText => Deadline.Limit.ToString();

    public bool CalendarCovered => Deadline.CalendarCovered;
}

/// <summary>
/// The deadlines a case gets from a policy. Pure: the same inputs always give the same schedule, so re-grading a
/// case (a new level or customer class) is simply asking again with the new attributes.
/// </summary>
public static class DeadlineSchedule
{
    /// <summary>
    /// The deadlines of the clocks that start at receipt (dispatch, first contact, reply), in that order.
    /// The callback clock starts at the reply; see <see cref="Callback"/>.
    /// </summary>
    public static IReadOnlyList<ScheduledDeadline> Preview(
        DateTimeOffset receivedAt, CaseAttributes attributes, DeadlinePolicy policy, WorkingDayCalendar calendar, TimeZoneInfo? zone = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var limits = policy.LimitsFor(attributes);
        return
        [
            .. ClockKinds.All
                .Where(clock => clock.StartEvent() == ClockStartEvent.Received)
                .Select(clock => new ScheduledDeadline(clock, DeadlineCalculator.Due(receivedAt, limits[clock], calendar, zone))),
        ];
    }

    /// <summary>The callback (回访) deadline, counted from the reply to the customer.</summary>
    public static ScheduledDeadline Callback(
        DateTimeOffset repliedAt, CaseAttributes attributes, DeadlinePolicy policy, WorkingDayCalendar calendar, TimeZoneInfo? zone = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var limit = policy.LimitsFor(attributes).Callback;
        return new ScheduledDeadline(ClockKind.Callback, DeadlineCalculator.Due(repliedAt, limit, calendar, zone));
    }
}
