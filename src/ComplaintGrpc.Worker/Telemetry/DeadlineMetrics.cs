using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Storage.Telemetry;
using ComplaintGrpc.Worker.TimeLimits;

namespace ComplaintGrpc.Worker.Telemetry;

/// <summary>Counts what a committed deadline batch raised: reminders and escalations (one per recipient) and breaches
/// (one per clock), each by clock.</summary>
public static class DeadlineMetrics
{
    public static void Record(EnforcementPlan plan)
    {
        foreach (var group in plan.Notifications.GroupBy(n => (n.Kind, n.Clock)))
        {
            var counter = group.Key.Kind switch
            {
                nameof(NotificationKind.Reminder) => ComplaintTelemetry.Reminders,
                nameof(NotificationKind.Escalation) => ComplaintTelemetry.Escalations,
                _ => null,
            };
            counter?.Add(group.Count(), ComplaintTelemetry.Tag("clock", group.Key.Clock));
        }
        foreach (var group in plan.Breaches.GroupBy(b => b.Clock.Clock))
            ComplaintTelemetry.Breaches.Add(group.Count(), ComplaintTelemetry.Tag("clock", group.Key));
    }
}
