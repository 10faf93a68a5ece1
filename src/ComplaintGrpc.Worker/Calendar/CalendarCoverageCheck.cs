using System.Diagnostics.Metrics;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.Storage;
using ComplaintGrpc.Storage.Jobs;
using Hangfire;

namespace ComplaintGrpc.Worker.Calendar;

/// <summary>Which calendar years must be loaded on a given day: the current year always, and from 1 November on the
/// next one too, so that two months remain to load it (the State Council usually publishes it in late October or
/// November) before deadlines start reaching into it.</summary>
public static class CalendarCoverage
{
    public const int NextYearNeededFromMonth = 11;

    public static IReadOnlyList<int> RequiredYears(DateOnly today) =>
        today.Month >= NextYearNeededFromMonth ? [today.Year, today.Year + 1] : [today.Year];

    public static CalendarCoverageResult Check(DateOnly today, Func<int, bool> covers)
    {
        ArgumentNullException.ThrowIfNull(covers);
        var required = RequiredYears(today);
        return new CalendarCoverageResult(today, required, [.. required.Where(y => !covers(y))]);
    }
}

/// <summary>What one check found.</summary>
public sealed record CalendarCoverageResult(DateOnly Today, IReadOnlyList<int> RequiredYears, IReadOnlyList<int> MissingYears)
{
    public bool Covered => MissingYears.Count == 0;

    /// <summary>One line for the job's result in the Hangfire dashboard.</summary>
    public string Summary => Covered
        ? $"{Today:yyyy-MM-dd}: covered ({string.Join(", ", RequiredYears)})"
        : $"{Today:yyyy-MM-dd}: MISSING {string.Join(", ", MissingYears)} (needed: {string.Join(", ", RequiredYears)})";
}

/// <summary>
/// A daily Hangfire recurring job (<see cref="JobId"/>): warns when the working-day calendar in force lacks a year that
/// deadlines need now or soon, before deadlines are computed with plain Monday–Friday. A missing year is a warning
/// (log and metric) and the job's result, not a failure: retrying cannot load a calendar. At least once a day; it only
/// reads, so a run triggered by hand from the dashboard or a retried run does no harm.
/// </summary>
public sealed partial class CalendarCoverageCheck(CalendarStore calendars, TimeProvider clock, ILogger<CalendarCoverageCheck> logger, IMeterFactory meters)
    : ICalendarCoverageJob
{
    public const string JobId = "calendar-coverage";

    /// <summary>09:00 Asia/Shanghai: during office hours, when someone reads the warning and can load the year.</summary>
    public const string Schedule = "0 9 * * *";

    private readonly Counter<long> _missing = meters.Create("ComplaintGrpc.TimeLimits")
        .CreateCounter<long>("complaints.calendar.missing_years", description: "Calendar years found missing by the daily coverage check");

    /// <returns>The summary line, kept by Hangfire as the job's result.</returns>
    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        var calendar = await calendars.CurrentAsync(cancellationToken);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), DeadlineCalculator.DefaultZone).DateTime);
        var result = CalendarCoverage.Check(today, calendar.Covers);
        foreach (var year in result.MissingYears)
        {
            _missing.Add(1, new KeyValuePair<string, object?>("year", year));
            LogYearMissing(logger, year, calendar);
        }
        if (result.Covered)
            LogCovered(logger, result.RequiredYears);
        return result.Summary;
    }

    [LoggerMessage(EventId = 2040, Level = LogLevel.Warning,
        Message = "The working-day calendar lacks {Year} ({Calendar}); deadlines in that year fall back to plain Monday-Friday. Load that year's calendar.")]
    private static partial void LogYearMissing(ILogger logger, int year, WorkingDayCalendar calendar);

    [LoggerMessage(EventId = 2041, Level = LogLevel.Information, Message = "The working-day calendar covers {Years}")]
    private static partial void LogCovered(ILogger logger, IReadOnlyList<int> years);
}

public static class CalendarCoverageRegistration
{
    /// <summary>Registers the daily <see cref="CalendarCoverageCheck"/> with Hangfire when the worker starts (AddOrUpdate:
    /// every worker may do it, the last one wins with the same definition).</summary>
    public static HostApplicationBuilder AddCalendarCoverageCheck(this HostApplicationBuilder builder)
    {
        builder.Services.AddTransient<CalendarCoverageCheck>();
        builder.Services.AddTransient<ICalendarCoverageJob, CalendarCoverageCheck>();
        builder.Services.AddHostedService<Registration>();
        return builder;
    }

    private sealed class Registration(IRecurringJobManager recurringJobs) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            // CancellationToken.None is replaced by Hangfire with the server's shutdown token when the job runs.
            recurringJobs.AddOrUpdate<ICalendarCoverageJob>(CalendarCoverageCheck.JobId, check => check.RunAsync(CancellationToken.None),
                CalendarCoverageCheck.Schedule, new RecurringJobOptions { TimeZone = DeadlineCalculator.DefaultZone });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
