using System.ComponentModel;
using Hangfire;

namespace ComplaintGrpc.Storage.Jobs;

// Hangfire job contracts: the type and method a job is stored under, with its display name and filters. They live
// here, in an assembly both hosts load, so that the dashboard (in the server) can resolve every job the worker runs
// and show it by name with its arguments; the worker registers the implementations in its container, and Hangfire's
// activator resolves the contract to them when a job runs. Filters such as AutomaticRetry are read from the stored
// method, so they belong on the contract.

/// <summary>Delivers one batch of notifications over one external channel (a job per batch and channel, on the
/// channel's own queue).</summary>
public interface INotificationDeliveryJob
{
    /// <param name="channel">The channel's name, e.g. <c>Webhook</c>.</param>
    /// <param name="cases">The batch's case numbers in short, for the dashboard and failure messages
    /// (<see cref="DeliveryBatchLabel.Of"/>).</param>
    /// <param name="notificationIds">The notifications whose deliveries over <paramref name="channel"/> to make.</param>
    [AutomaticRetry(Attempts = 0)]
    [DisplayName("{0} delivery: {1}")]
    Task DeliverBatchAsync(string channel, string cases, Guid[] notificationIds, CancellationToken cancellationToken);
}

/// <summary>The daily check that the working-day calendar covers the years deadlines need.</summary>
public interface ICalendarCoverageJob
{
    /// <returns>The summary line, kept by Hangfire as the job's result.</returns>
    [DisplayName("Calendar coverage check")]
    Task<string> RunAsync(CancellationToken cancellationToken);
}

/// <summary>How a delivery batch is named in the dashboard: its case numbers, the first few and a count of the rest,
/// so that the stored job stays small however big the batch.</summary>
public static class DeliveryBatchLabel
{
    public const int CasesShown = 3;

    /// <param name="caseNumbers">One entry per notification; null for a notification about no single case.</param>
    public static string Of(IReadOnlyCollection<string?> caseNumbers)
    {
        ArgumentNullException.ThrowIfNull(caseNumbers);
        var cases = caseNumbers.OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var others = caseNumbers.Count(c => c is null);
        var parts = new List<string>(cases.Take(CasesShown));
        if (cases.Count > CasesShown)
            parts.Add($"+{cases.Count - CasesShown} more cases");
        if (others > 0)
            parts.Add(others == 1 ? "1 notification without a case" : $"{others} notifications without a case");
        return $"{string.Join(", ", parts)} ({caseNumbers.Count} {(caseNumbers.Count == 1 ? "notification" : "notifications")})";
    }
}
