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

    // One reference, swapped whole: readers on other threads never see half of it.
    private volatile Snapshot? _cached;
    private int _refreshing;

    private sealed record Snapshot(WorkingDayCalendar Calendar, DateTimeOffset LoadedAt);

    public async Task<WorkingDayCalendar> CurrentAsync(CancellationToken ct)
    {
        if (_cached is not { } c)
            return await LoadAsync(ct);
        if (clock.GetUtcNow() - c.LoadedAt >= RefreshAfter && Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0)
            _ = RefreshAsync();
        return c.Calendar;
    }

    public void Invalidate() => _cached = null;

    private async Task<WorkingDayCalendar> LoadAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var documents = await connection.QueryAsync<string>(new CommandDefinition("SELECT document FROM calendar_years ORDER BY year", cancellationToken: ct));
        var calendar = WorkingDayCalendar.ChinaDefault().With(documents.Select(CalendarYear.Parse));
        _cached = new Snapshot(calendar, clock.GetUtcNow());
        return calendar;
    }

    /// <summary>Re-reads in the background; on failure the calendar in memory stays in force and the next request
    /// after the interval tries again.</summary>
    private async Task RefreshAsync()
    {
        try
        {
            await LoadAsync(CancellationToken.None);
        }
        catch (Exception ex) // any failure: logged, and the calendar in memory stays; nothing awaits this task
        {
            LogRefreshFailed(logger, ex);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
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
