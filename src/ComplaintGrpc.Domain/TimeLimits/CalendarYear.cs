using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace ComplaintGrpc.Domain.TimeLimits;

/// <summary>
/// One year of the official working-day calendar: the statutory holidays and the weekend days declared
/// as make-up working days (调休). Immutable and always valid: every holiday and make-up day falls in
/// <see cref="Year"/>, every make-up day is a Saturday or Sunday, and no date is in both lists.
/// </summary>
/// <remarks>
/// The document format (see README.md in this folder) is what administrators load each November and what
/// the storage layer keeps per year; <see cref="Parse"/> and <see cref="ToJson"/> read and write it.
/// </remarks>
public sealed class CalendarYear
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        // Keep the Chinese source text readable in stored documents.
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
    };

    private CalendarYear(int year, string source, ImmutableSortedSet<DateOnly> holidays, ImmutableSortedSet<DateOnly> makeUpWorkingDays)
    {
        Year = year;
        Source = source;
        Holidays = holidays;
        MakeUpWorkingDays = makeUpWorkingDays;
    }

    public int Year { get; }

    /// <summary>Where the dates come from, e.g. the State Council notice and its date.</summary>
    public string Source { get; }

    /// <summary>Days off (statutory holidays and the weekend days moved into a holiday block).</summary>
    public ImmutableSortedSet<DateOnly> Holidays { get; }

    /// <summary>Saturdays and Sundays declared working days.</summary>
    public ImmutableSortedSet<DateOnly> MakeUpWorkingDays { get; }

    /// <summary>Builds a year from dates, checking the same rules as <see cref="Parse"/>.</summary>
    /// <exception cref="ArgumentException">The dates break a rule; the message lists every problem.</exception>
    public static CalendarYear Create(int year, string source, IEnumerable<DateOnly> holidays, IEnumerable<DateOnly> makeUpWorkingDays)
    {
        ArgumentNullException.ThrowIfNull(holidays);
        ArgumentNullException.ThrowIfNull(makeUpWorkingDays);
        var problems = new List<string>();
        var result = Validate(year, source, [.. holidays], [.. makeUpWorkingDays], problems);
        return result ?? throw new ArgumentException(Describe(year, problems));
    }

    /// <summary>
    /// Reads one year document: <c>{"year": 2026, "source": "…", "holidays": ["2026-01-01/2026-01-03", …],
    /// "makeUpWorkingDays": ["2026-01-04", …]}</c>. Each list entry is a date (yyyy-MM-dd) or an inclusive range
    /// "yyyy-MM-dd/yyyy-MM-dd". "makeUpWorkingDays" may be omitted; unknown properties are rejected so that a
    /// misspelt list cannot be silently ignored.
    /// </summary>
    /// <exception cref="FormatException">The document is malformed or breaks a rule; the message lists every problem.</exception>
    public static CalendarYear Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Calendar year document is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("Calendar year document must be a JSON object with \"year\", \"source\", \"holidays\" and \"makeUpWorkingDays\".");
            }

            var problems = new List<string>();
            int? year = null;
            string? source = null;
            List<DateOnly>? holidays = null;
            List<DateOnly> makeUps = [];
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "year":
                        if (property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var y))
                        {
                            year = y;
                        }
                        else
                        {
                            problems.Add($"\"year\" must be a whole number, not {property.Value.GetRawText()}.");
                        }

                        break;
                    case "source":
                        source = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                        if (source is null)
                        {
                            problems.Add("\"source\" must be a string naming the notice the dates come from.");
                        }

                        break;
                    case "holidays":
                        holidays = ReadDates(property.Value, "holidays", problems);
                        break;
                    case "makeUpWorkingDays":
                        makeUps = ReadDates(property.Value, "makeUpWorkingDays", problems);
                        break;
                    default:
                        problems.Add($"unknown property \"{property.Name}\" (expected \"year\", \"source\", \"holidays\", \"makeUpWorkingDays\").");
                        break;
                }
            }

            if (year is null && !root.TryGetProperty("year", out _))
            {
                problems.Add("\"year\" is missing.");
            }

            if (source is null && !root.TryGetProperty("source", out _))
            {
                problems.Add("\"source\" is missing.");
            }

            if (holidays is null && !root.TryGetProperty("holidays", out _))
            {
                problems.Add("\"holidays\" is missing.");
            }

            if (problems.Count == 0)
            {
                var result = Validate(year!.Value, source!, holidays!, makeUps, problems);
                if (result is not null)
                {
                    return result;
                }
            }

            throw new FormatException(Describe(year, problems));
        }
    }

    /// <summary>Writes the document form read by <see cref="Parse"/>, with consecutive dates written as ranges.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("year", Year);
            writer.WriteString("source", Source);
            WriteDates(writer, "holidays", Holidays);
            WriteDates(writer, "makeUpWorkingDays", MakeUpWorkingDays);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public override string ToString() => $"{Year} ({Holidays.Count} holidays, {MakeUpWorkingDays.Count} make-up working days; {Source})";

    private static CalendarYear? Validate(int year, string source, List<DateOnly> holidays, List<DateOnly> makeUps, List<string> problems)
    {
        // A year whose successor DateOnly cannot represent would break counting across 31 December.
        if (year is < 1 or > 9998)
        {
            problems.Add($"year {year} is out of range (1–9998).");
        }

        if (string.IsNullOrWhiteSpace(source))
        {
            problems.Add("\"source\" must name the notice the dates come from.");
        }

        foreach (var date in holidays.Where(d => d.Year != year).Distinct())
        {
            problems.Add($"holiday {Format(date)} is not in {year}.");
        }

        foreach (var date in makeUps.Where(d => d.Year != year).Distinct())
        {
            problems.Add($"make-up working day {Format(date)} is not in {year}.");
        }

        foreach (var date in makeUps.Where(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday)).Distinct())
        {
            problems.Add($"make-up working day {Format(date)} is a {date.DayOfWeek}; a make-up working day must be a Saturday or Sunday.");
        }

        foreach (var date in holidays.Intersect(makeUps))
        {
            problems.Add($"{Format(date)} is listed both as a holiday and as a make-up working day.");
        }

        foreach (var date in holidays.GroupBy(d => d).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            problems.Add($"holiday {Format(date)} is listed more than once (check overlapping ranges).");
        }

        foreach (var date in makeUps.GroupBy(d => d).Where(g => g.Count() > 1).Select(g => g.Key))
        {
            problems.Add($"make-up working day {Format(date)} is listed more than once.");
        }

        return problems.Count == 0
            ? new CalendarYear(year, source.Trim(), [.. holidays], [.. makeUps])
            : null;
    }

    private static List<DateOnly> ReadDates(JsonElement list, string name, List<string> problems)
    {
        var dates = new List<DateOnly>();
        if (list.ValueKind != JsonValueKind.Array)
        {
            problems.Add($"\"{name}\" must be an array of \"yyyy-MM-dd\" dates or \"yyyy-MM-dd/yyyy-MM-dd\" ranges.");
            return dates;
        }

        foreach (var item in list.EnumerateArray())
        {
            var text = item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText();
            var parts = text.Split('/');
            if (item.ValueKind != JsonValueKind.String || parts.Length > 2
                || !TryParseDate(parts[0], out var first)
                || !TryParseDate(parts[^1], out var last))
            {
                problems.Add($"\"{name}\" entry {text} is not a \"yyyy-MM-dd\" date or a \"yyyy-MM-dd/yyyy-MM-dd\" range.");
                continue;
            }

            if (last < first)
            {
                problems.Add($"\"{name}\" range {text} ends before it starts.");
                continue;
            }

            if (last.DayNumber - first.DayNumber > 366)
            {
                problems.Add($"\"{name}\" range {text} is longer than a year.");
                continue;
            }

            for (var day = first; day <= last; day = day.AddDays(1))
            {
                dates.Add(day);
            }
        }

        return dates;
    }

    private static void WriteDates(Utf8JsonWriter writer, string name, ImmutableSortedSet<DateOnly> dates)
    {
        writer.WriteStartArray(name);
        var i = 0;
        while (i < dates.Count)
        {
            var first = dates[i];
            var last = first;
            while (i + 1 < dates.Count && dates[i + 1] == last.AddDays(1))
            {
                last = dates[++i];
            }

            writer.WriteStringValue(first == last ? Format(first) : $"{Format(first)}/{Format(last)}");
            i++;
        }

        writer.WriteEndArray();
    }

    private static bool TryParseDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    private static string Format(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Describe(int? year, List<string> problems) =>
        $"Calendar year {(year is null ? "document" : year.Value.ToString(CultureInfo.InvariantCulture))} is invalid: "
        + string.Join(" ", problems);
}
