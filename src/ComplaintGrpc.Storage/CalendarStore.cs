using System.Diagnostics.Metrics;
using ComplaintGrpc.Domain.TimeLimits;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ComplaintGrpc.Storage;

/// <summary>
/// The working-day calendar in force: the years shipped in the release, overlaid with the years administrators
/// loaded into <c>calendar_years</c> (a loaded year replaces a shipped one). Held in memory: requests never read the
/// table. A load through this process takes effect at once (<see cref="Invalidate"/>); a load through another process
/// within <see cref="RefreshAfter"/>, by a background re-read that the first request after that interval starts and
/// does not wait for.
/// </summary>
public sealed partial class CalendarStore(NpgsqlDataSource db, TimeProvider clock, ILogger<CalendarStore> logger, IMeterFactory meters)
{
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(30);

    private readonly Counter<long> _uncovered = meters.Create("ComplaintGrpc.TimeLimits")
        .CreateCounter<long>("complaints.deadlines.calendar_not_covered", description: "Deadlines computed with plain weekdays because the calendar lacks a year");

    private readonly RefreshingSnapshot<WorkingDayCalendar> _calendar = new(ct => ReadAsync(db, ct), clock, RefreshAfter, e => LogRefreshFailed(logger, e));

    public Task<WorkingDayCalendar> CurrentAsync(CancellationToken ct) => _calendar.GetAsync(ct);

    public void Invalidate() => _calendar.Invalidate();

    private static async Task<WorkingDayCalendar> ReadAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var documents = await connection.QueryAsync<string>(new CommandDefinition("SELECT document FROM calendar_years ORDER BY year", cancellationToken: ct));
        return WorkingDayCalendar.ChinaDefault().With(documents.Select(CalendarYear.Parse));
    }

    /// <summary>Says so, loudly, when a deadline had to be guessed with plain weekdays: a warning and a metric.</summary>
    public void ReportUncovered(Deadline deadline, string what)
    {
        if (deadline.CalendarCovered)
            return;
        _uncovered.Add(1);
        LogUncovered(logger, what, deadline.DueAt);
    }

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Re-reading the working-day calendar failed; the calendar in memory stays in force")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "The working-day calendar does not cover every day of {What} (due {DueAt:O}); plain Monday-Friday was used. Load that year's calendar.")]
    private static partial void LogUncovered(ILogger logger, string what, DateTimeOffset dueAt);
}
