using ComplaintGrpc.Contracts.V1;
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

        void StopAll() { foreach (var kind in byKind.Keys.ToList()) Stop(kind, now); }
        void SuspendAll() { foreach (var kind in byKind.Keys.ToList()) byKind[kind] = byKind[kind].Suspend(now); }
        void ResumeAll() { foreach (var kind in byKind.Keys.ToList()) byKind[kind] = byKind[kind].Resume(now, calendar, zone); }
        void None() { }

        // Exhaustive over CaseAction (CS8509 is an error): a new action does not compile until it says what it does
        // to the clocks, even if that is nothing.
        Action plan = transition.Action switch
        {
            CaseAction.Submitted => () =>
            {
                foreach (var kind in ClockKinds.All.Where(k => k.StartEvent() == ClockStartEvent.Received))
                    Start(kind, transition.To.ReceivedAt);
            },
            CaseAction.DispatchedToUnit => () => Stop(ClockKind.Dispatch, now),
            CaseAction.FirstContactRecorded => () => Stop(ClockKind.FirstContact, transition.To.FirstContactAt ?? now),
            CaseAction.RepliedToCustomer => () =>
            {
                Stop(ClockKind.Reply, now);
                Start(ClockKind.Callback, now);
            },
            CaseAction.CallbackSatisfied => () => Stop(ClockKind.Callback, now),
            CaseAction.CallbackDissatisfied => () =>
            {
                Stop(ClockKind.Callback, now);
                Start(ClockKind.Reply, now);
            },
            CaseAction.Reopened or CaseAction.QualityOverturned => () => Start(ClockKind.Reply, now),
            CaseAction.Suspended => SuspendAll,
            CaseAction.Resumed => ResumeAll,
            CaseAction.Closed => StopAll,
            // 逐级审核: each level of the chain gets its own review round; the last approval closes the case.
            CaseAction.ClosureSubmitted => () => Start(ClockKind.Review, now),
            CaseAction.ClosureApproved => transition.To.Status == CaseStatus.Closed ? StopAll : () =>
            {
                Stop(ClockKind.Review, now);
                Start(ClockKind.Review, now);
            },
            CaseAction.ClosureRejected => () => Stop(ClockKind.Review, now),
            CaseAction.Regraded => () =>
            {
                foreach (var c in Regrade(clocks, limits, calendar, zone)) byKind[c.Kind] = c;
            },
            // 抱怨/意见建议 → 投诉: each receipt clock still running is replaced by the complaint's, in a new round (the worker's
            // record of the old kind's reminders does not carry over). From the receipt: the clock replayed from its own
            // start through its pauses under the complaint's limit, as if it had been a complaint all along; from the
            // conversion: started now. A clock already met stays met, as on a re-grade.
            CaseAction.ConvertedToComplaint => () =>
            {
                foreach (var kind in byKind.Keys.Where(k => byKind[k].StoppedAt is null && k.StartEvent() == ClockStartEvent.Received).ToList())
                {
                    var old = byKind[kind];
                    byKind[kind] = transition.ClocksFrom == Intake.ConversionClocksFrom.Receipt
                        ? old.WithLimit(limits[kind], calendar, zone) with { Round = old.Round + 1 }
                        : CaseClock.Start(kind, old.Round + 1, now, limits[kind], calendar, zone);
                }
            },
            // Assignment moves within a unit, the worker's own records, the finding (evaluation, not handling) and intake's
            // chases and warnings change no clock.
            CaseAction.HandlerAssigned or CaseAction.AssignmentAccepted or CaseAction.AssignmentReturned
                or CaseAction.ClockBreached or CaseAction.Escalated or CaseAction.FindingRecorded or CaseAction.FindingChanged
                or CaseAction.QualityConfirmed or CaseAction.Chased or CaseAction.WarningRaised => None,
            CaseAction.Unspecified => throw new ArgumentOutOfRangeException(nameof(transition), "A transition must name its action."),
        };
        plan();
        return [.. byKind.Values.OrderBy(c => c.Kind)];
    }

    /// <summary>The clocks under new limits (the case was re-graded): running and suspended clocks are replayed from
    /// their start with the new limit; stopped ones keep the limit they were met or missed under, so a re-grade never
    /// turns work already done on time into a breach after the fact.</summary>
    public static IReadOnlyList<CaseClock> Regrade(IReadOnlyList<CaseClock> clocks, ClockLimits limits, WorkingDayCalendar calendar, TimeZoneInfo zone) =>
        [.. clocks.Select(c => c.StoppedAt is null ? c.WithLimit(limits[c.Kind], calendar, zone) : c)];
}
