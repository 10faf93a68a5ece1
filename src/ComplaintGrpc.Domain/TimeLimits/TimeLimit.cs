using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>How a time limit is counted.</summary>
public enum TimeLimitUnit
{
    /// <summary>Elapsed hours, 24/7, regardless of weekends and holidays.</summary>
    ClockHours,

    /// <summary>Elapsed minutes, 24/7.</summary>
    ClockMinutes,

    /// <summary>Working days after the start day, ending at 24:00 local time of the last one.</summary>
    WorkingDays,

    /// <summary>Calendar days after the start day, ending at 24:00 local time of the last one.</summary>
    CalendarDays,
}

/// <summary>
/// A time limit such as "4 working days" or "24 hours". The amount is always between 1 and
/// <see cref="MaxAmount"/>; the text form (<see cref="ToString"/>) is also the configuration form (<see cref="Parse"/>).
/// </summary>
public sealed record TimeLimit
{
    /// <summary>The largest amount accepted; anything longer is taken to be a configuration mistake.</summary>
    public const int MaxAmount = 9999;

    public TimeLimit(int amount, TimeLimitUnit unit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(amount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(amount, MaxAmount);
        if (!Enum.IsDefined(unit))
        {
            throw new ArgumentOutOfRangeException(nameof(unit), unit, "Unknown time limit unit.");
        }

        Amount = amount;
        Unit = unit;
    }

    public int Amount { get; }

    public TimeLimitUnit Unit { get; }

    /// <summary>True for limits counted in days (working or calendar), which end at a local midnight.</summary>
    public bool IsDayBased => Unit is TimeLimitUnit.WorkingDays or TimeLimitUnit.CalendarDays;

    public static TimeLimit ClockHours(int amount) => new(amount, TimeLimitUnit.ClockHours);

    public static TimeLimit ClockMinutes(int amount) => new(amount, TimeLimitUnit.ClockMinutes);

    public static TimeLimit WorkingDays(int amount) => new(amount, TimeLimitUnit.WorkingDays);

    public static TimeLimit CalendarDays(int amount) => new(amount, TimeLimitUnit.CalendarDays);

    /// <summary>The elapsed time of a clock limit; throws for day-based limits, whose length depends on the calendar.</summary>
    public TimeSpan Duration => Unit switch
    {
        TimeLimitUnit.ClockHours => TimeSpan.FromHours(Amount),
        TimeLimitUnit.ClockMinutes => TimeSpan.FromMinutes(Amount),
        _ => throw new InvalidOperationException($"'{this}' is counted in days; its length depends on the calendar."),
    };

    /// <summary>"24 hours", "1 hour", "15 minutes", "4 working days", "1 working day", "7 calendar days".</summary>
    public override string ToString()
    {
        var one = Amount == 1;
        var noun = Unit switch
        {
            TimeLimitUnit.ClockHours => one ? "hour" : "hours",
            TimeLimitUnit.ClockMinutes => one ? "minute" : "minutes",
            TimeLimitUnit.WorkingDays => one ? "working day" : "working days",
            _ => one ? "calendar day" : "calendar days",
        };
        return string.Create(CultureInfo.InvariantCulture, $"{Amount} {noun}");
    }

    /// <summary>
    /// Reads the text form: a whole number, then one of "hour(s)", "minute(s)", "working day(s)",
    /// "calendar day(s)". Case and extra spaces are ignored; nothing else is accepted.
    /// </summary>
    /// <exception cref="FormatException">The text is not a time limit; the message says what is accepted.</exception>
    public static TimeLimit Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var limit, out var error) ? limit : throw new FormatException(error);
    }

    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out TimeLimit? limit) =>
        TryParse(text, out limit, out _);

    private static bool TryParse(string? text, [NotNullWhen(true)] out TimeLimit? limit, out string error)
    {
        limit = null;
        const string Accepted = "expected a whole number followed by 'hours', 'minutes', 'working days' or 'calendar days', "
            + "for example '24 hours' or '4 working days'";
        var words = (text ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length is < 2 or > 3
            || !int.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            error = $"'{text}' is not a time limit: {Accepted}.";
            return false;
        }

        var noun = string.Join(' ', words[1..]).ToUpperInvariant();
        TimeLimitUnit? unit = noun switch
        {
            "HOUR" or "HOURS" => TimeLimitUnit.ClockHours,
            "MINUTE" or "MINUTES" => TimeLimitUnit.ClockMinutes,
            "WORKING DAY" or "WORKING DAYS" => TimeLimitUnit.WorkingDays,
            "CALENDAR DAY" or "CALENDAR DAYS" => TimeLimitUnit.CalendarDays,
            _ => null,
        };
        if (unit is null)
        {
            error = $"'{text}' is not a time limit: {Accepted}.";
            return false;
        }

        if (amount is < 1 or > MaxAmount)
        {
            error = $"'{text}' is not a time limit: the amount must be between 1 and {MaxAmount}.";
            return false;
        }

        limit = new TimeLimit(amount, unit.Value);
        error = string.Empty;
        return true;
    }
}
