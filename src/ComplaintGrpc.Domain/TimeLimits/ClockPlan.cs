using ComplaintGrpc.Domain.Lifecycle;

namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>
/// Which clocks a lifecycle step starts, stops, pauses or resumes. Dispatch, first contact and reply start at
/// receipt; dispatch stops when the case reaches a unit, first contact at the recorded contact, reply at the reply,
/// which starts the callback clock; a dissatisfied callback or a reopening restarts the reply clock in a new round;
/// suspension pauses every running clock and resumption resumes them; closing stops whatever still runs.
/// </summary>
public static class ClockPlan
{
    /// <summary>The clocks of a case after <paramref name="transition"/> at <paramref name="now"/>.</summary>
    public static IReadOnlyList<CaseClock> Apply(IReadOnlyList<CaseClock> clocks, Transition transition, DateTimeOffset now,
        ClockLimits limits, WorkingDayCalendar calendar, TimeZoneInfo zone)
    {
        var byKind = clocks.ToDictionary(c => c.Kind);
        void Stop(ClockKind kind, DateTimeOffset at)
        {
            if (byKind.TryGetValue(kind, out var c)) byKind[kind] = c.Stop(at);
        }
        void Start(ClockKind kind, DateTimeOffset at)
        {
            var round = byKind.TryGetValue(kind, out var c) ? c.Round + 1 : 1;
            byKind[kind] = CaseClock.Start(kind, round, at, limits[kind], calendar, zone);
        }

        switch (transition.Action)
        {
            case "Submitted":
                foreach (var kind in Enum.GetValues<ClockKind>().Where(k => k.StartEvent() == ClockStartEvent.Received))
                    Start(kind, transition.To.ReceivedAt);
                break;
            case "DispatchedToUnit":
                Stop(ClockKind.Dispatch, now);
                break;
            case "FirstContactRecorded":
                Stop(ClockKind.FirstContact, transition.To.FirstContactAt ?? now);
                break;
            case "RepliedToCustomer":
                Stop(ClockKind.Reply, now);
                Start(ClockKind.Callback, now);
                break;
            case "CallbackSatisfied":
                Stop(ClockKind.Callback, now);
                break;
            case "CallbackDissatisfied":
                Stop(ClockKind.Callback, now);
                Start(ClockKind.Reply, now);
                break;
            case "Reopened":
                Start(ClockKind.Reply, now);
                break;
            case "Suspended":
                foreach (var kind in byKind.Keys.ToList()) byKind[kind] = byKind[kind].Suspend(now);
                break;
            case "Resumed":
                foreach (var kind in byKind.Keys.ToList()) byKind[kind] = byKind[kind].Resume(now, calendar, zone);
                break;
            case "Closed":
                foreach (var kind in byKind.Keys.ToList()) Stop(kind, now);
                break;
            case "Regraded":
                return Regrade(clocks, limits, calendar, zone);
        }
        return [.. byKind.Values.OrderBy(c => c.Kind)];
    }

    /// <summary>The clocks under new limits (the case was re-graded): running and suspended clocks are replayed from
    /// their start with the new limit; stopped ones keep the limit they were met or missed under, so a re-grade never
    /// turns work already done on time into a breach after the fact.</summary>
    public static IReadOnlyList<CaseClock> Regrade(IReadOnlyList<CaseClock> clocks, ClockLimits limits, WorkingDayCalendar calendar, TimeZoneInfo zone) =>
        [.. clocks.Select(c => c.StoppedAt is null ? c.WithLimit(limits[c.Kind], calendar, zone) : c)];
}
