using System.Collections.Frozen;
using System.Collections.Immutable;

namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>
/// Which dates are working days: Monday to Friday, minus statutory holidays, plus the weekend days
/// declared make-up working days (调休). Immutable and safe to share between threads.
/// </summary>
/// <remarks>
/// The calendar only knows the years it was built from (<see cref="Covers"/>). For a date in any other year
/// it answers with plain Monday–Friday; the deadline arithmetic reports such a guess through
/// <see cref="Deadline.CalendarCovered"/> so that nobody mistakes it for the official answer.
/// </remarks>
public sealed class WorkingDayCalendar
{
    private const string EmbeddedPrefix = "ComplaintGrpc.Domain.TimeLimits.Calendars.cn-";

    private static readonly Lazy<WorkingDayCalendar> China = new(LoadEmbeddedChina);

    private readonly FrozenDictionary<int, CalendarYear> _years;
    private readonly FrozenSet<DateOnly> _holidays;
    private readonly FrozenSet<DateOnly> _makeUpWorkingDays;

    private WorkingDayCalendar(IEnumerable<CalendarYear> years)
    {
        _years = years.ToFrozenDictionary(y => y.Year);
        _holidays = _years.Values.SelectMany(y => y.Holidays).ToFrozenSet();
        _makeUpWorkingDays = _years.Values.SelectMany(y => y.MakeUpWorkingDays).ToFrozenSet();
        Years = [.. _years.Values.OrderBy(y => y.Year)];
    }

    /// <summary>A calendar that covers no year: every answer is plain Monday–Friday and flagged as not covered.</summary>
    public static WorkingDayCalendar WeekdaysOnly { get; } = new([]);

    /// <summary>The years this calendar was built from, in order.</summary>
    public ImmutableArray<CalendarYear> Years { get; }

    /// <summary>
    /// The mainland China calendar shipped with this assembly (one embedded <c>cn-YYYY.json</c> per year).
    /// Years published after the release are added with <see cref="With(IEnumerable{CalendarYear})"/>.
    /// </summary>
    public static WorkingDayCalendar ChinaDefault() => China.Value;

    /// <summary>Builds a calendar from year documents.</summary>
    /// <exception cref="ArgumentException">The same year is given twice.</exception>
    public static WorkingDayCalendar Create(IEnumerable<CalendarYear> years)
    {
        ArgumentNullException.ThrowIfNull(years);
        var list = years.ToList();
        var twice = list.GroupBy(y => y.Year).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (twice.Count > 0)
        {
            throw new ArgumentException($"Calendar year {string.Join(", ", twice)} is given more than once.", nameof(years));
        }

        return new WorkingDayCalendar(list);
    }

    /// <summary>
    /// A calendar with these years added; a year this calendar already has is replaced, so an administrator's
    /// corrected document wins over the shipped one.
    /// </summary>
    public WorkingDayCalendar With(IEnumerable<CalendarYear> years)
    {
        ArgumentNullException.ThrowIfNull(years);
        var added = Create(years);
        return new WorkingDayCalendar(Years.Where(y => !added.Covers(y.Year)).Concat(added.Years));
    }

    /// <inheritdoc cref="With(IEnumerable{CalendarYear})"/>
    public WorkingDayCalendar With(CalendarYear year) => With([year]);

    /// <summary>Whether the official holidays and make-up days of <paramref name="year"/> are known.</summary>
    public bool Covers(int year) => _years.ContainsKey(year);

    /// <summary>
    /// Whether <paramref name="date"/> is a working day. For a year the calendar does not cover this is
    /// plain Monday–Friday (check <see cref="Covers"/>).
    /// </summary>
    public bool IsWorkingDay(DateOnly date)
    {
        if (_holidays.Contains(date))
        {
            return false;
        }

        return _makeUpWorkingDays.Contains(date) || date.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday);
    }

    /// <summary>
    /// The <paramref name="count"/>-th working day strictly after <paramref name="after"/> (with 0, <paramref name="after"/>
    /// itself), and whether every day stepped over lies in a covered year.
    /// </summary>
    public (DateOnly Day, bool Covered) AddWorkingDays(DateOnly after, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var day = after;
        var covered = true;
        for (var found = 0; found < count;)
        {
            day = day.AddDays(1);
            covered &= Covers(day.Year);
            if (IsWorkingDay(day))
            {
                found++;
            }
        }

        return (day, covered);
    }

    /// <summary>
    /// How many working days lie strictly after <paramref name="after"/> up to and including <paramref name="through"/>
    /// (0 when <paramref name="through"/> is not later), and whether every day counted lies in a covered year.
    /// </summary>
    public (int Count, bool Covered) CountWorkingDays(DateOnly after, DateOnly through)
    {
        var count = 0;
        var covered = true;
        for (var day = after.AddDays(1); day <= through; day = day.AddDays(1))
        {
            covered &= Covers(day.Year);
            if (IsWorkingDay(day))
            {
                count++;
            }
        }

        return (count, covered);
    }

    public override string ToString() =>
        Years.IsEmpty ? "Monday–Friday only" : $"working days {Years[0].Year}–{Years[^1].Year} ({Years.Length} years)";

    private static WorkingDayCalendar LoadEmbeddedChina()
    {
        var assembly = typeof(WorkingDayCalendar).Assembly;
        var years = new List<CalendarYear>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(EmbeddedPrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            years.Add(CalendarYear.Parse(reader.ReadToEnd()));
        }

        return Create(years);
    }
}
