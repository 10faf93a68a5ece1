using System.Diagnostics.Metrics;
using ComplaintGrpc.Domain.TimeLimits;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ComplaintGrpc.Storage;

/// <summary>
/// The working-day calendar in force: the years shipped in the release, overlaid with the years administrators
/// loaded into <c>calendar_years</c> (a loaded year replaces a shipped one). Cached; a load through this process
/// takes effect at once, a load through another process within <see cref="CacheFor"/>.
/// </summary>
public sealed partial class CalendarStore(NpgsqlDataSource db, TimeProvider clock, ILogger<CalendarStore> logger, IMeterFactory meters)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    private readonly Counter<long> _uncovered = meters.Create("ComplaintGrpc.TimeLimits")
        .CreateCounter<long>("complaints.deadlines.calendar_not_covered", description: "Deadlines computed with plain weekdays because the calendar lacks a year");

    // One reference, swapped whole: readers on other threads never see half of it.
    private volatile Snapshot? _cached;

    private sealed record Snapshot(WorkingDayCalendar Calendar, DateTimeOffset LoadedAt);

    public async Task<WorkingDayCalendar> CurrentAsync(CancellationToken ct)
    {
        if (_cached is { } c && clock.GetUtcNow() - c.LoadedAt < CacheFor)
            return c.Calendar;
        await using var connection = await db.OpenConnectionAsync(ct);
        var documents = await connection.QueryAsync<string>(new CommandDefinition("SELECT document FROM calendar_years ORDER BY year", cancellationToken: ct));
        var calendar = WorkingDayCalendar.ChinaDefault().With(documents.Select(CalendarYear.Parse));
        _cached = new Snapshot(calendar, clock.GetUtcNow());
        return calendar;
    }

    public void Invalidate() => _cached = null;

    /// <summary>Says so, loudly, when a deadline had to be guessed with plain weekdays: a warning and a metric.</summary>
    public void ReportUncovered(Deadline deadline, string what)
    {
        if (deadline.CalendarCovered)
            return;
        _uncovered.Add(1);
        LogUncovered(logger, what, deadline.DueAt);
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "The working-day calendar does not cover every day of {What} (due {DueAt:O}); plain Monday-Friday was used. Load that year's calendar.")]
    private static partial void LogUncovered(ILogger logger, string what, DateTimeOffset dueAt);
}
