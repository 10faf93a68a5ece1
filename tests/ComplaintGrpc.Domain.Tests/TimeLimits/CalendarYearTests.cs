using ComplaintGrpc.Domain.TimeLimits;
using static ComplaintGrpc.Domain.Tests.TimeLimits.TestTimes;

namespace ComplaintGrpc.Domain.Tests.TimeLimits;

public class CalendarYearTests
{
    [Fact]
    public void Parse_reads_ranges_and_single_dates()
    {
        var year = CalendarYear.Parse("""
            {
              "year": 2026,
              "source": "test notice",
              "holidays": ["2026-01-01/2026-01-03", "2026-05-01"],
              "makeUpWorkingDays": ["2026-01-04"]
            }
            """);

        Assert.Equal(2026, year.Year);
        Assert.Equal("test notice", year.Source);
        Assert.Equal([Day("2026-01-01"), Day("2026-01-02"), Day("2026-01-03"), Day("2026-05-01")], year.Holidays);
        Assert.Equal([Day("2026-01-04")], year.MakeUpWorkingDays);
    }

    [Fact]
    public void Make_up_days_may_be_left_out()
    {
        var year = CalendarYear.Parse("""{"year": 2031, "source": "test", "holidays": ["2031-01-01"]}""");

        Assert.Empty(year.MakeUpWorkingDays);
        Assert.Single(year.Holidays);
    }

    [Theory]
    [InlineData("""{"year": 2026, "source": "s", "holidays": [], "makeUpWorkingDays": ["2026-01-05"]}""",
        "make-up working day 2026-01-05 is a Monday; a make-up working day must be a Saturday or Sunday")]
    [InlineData("""{"year": 2026, "source": "s", "holidays": ["2025-12-31"]}""", "holiday 2025-12-31 is not in 2026")]
    [InlineData("""{"year": 2026, "source": "s", "holidays": ["2026-12-31/2027-01-02"]}""", "holiday 2027-01-01 is not in 2026")]
    [InlineData("""{"year": 2026, "source": "s", "holidays": [], "makeUpWorkingDays": ["2025-12-28"]}""", "make-up working day 2025-12-28 is not in 2026")]
    [InlineData("""{"year": 2026, "source": "s", "holidays": ["2026-01-04"], "makeUpWorkingDays": ["2026-01-04"]}""",
        "2026-01-04 is listed both as a holiday and as a make-up working day")]
    [InlineData("""{"year": 2026, "source": "s", "holidays": ["2026-02-15/2026-02-23", "2026-02-23"]}""", "holiday 2026-02-23 is listed more than once")]
    [InlineData("""{"year": 2026, "source": "s", "holidays": ["2026-1-4"]}""", "entry 2026-1-4 is not a \"yyyy-MM-dd\" date")]
    [InlineData("""{"year": 2026, "source": "s", "holidays": ["2026-02-30"]}""", "entry 2026-02-30 is not")]
    [InlineData("""{"year": 2026, "source": "s", "holidays": [20260101]}""", "entry 20260101 is not")]
    [InlineData("""{"year": 2026, "source": "s", "holidays": ["2026-02-23/2026-02-15"]}""", "range 2026-02-23/2026-02-15 ends before it starts")]
    [InlineData("""{"year": 2026, "source": "s", "holidays": "2026-01-01"}""", "\"holidays\" must be an array")]
    [InlineData("""{"year": 2026, "source": "s", "holidays": [], "makeupWorkingDays": ["2026-01-04"]}""", "unknown property \"makeupWorkingDays\"")]
    [InlineData("""{"source": "s", "holidays": []}""", "\"year\" is missing")]
    [InlineData("""{"year": "2026", "source": "s", "holidays": []}""", "\"year\" must be a whole number")]
    [InlineData("""{"year": 2026, "holidays": []}""", "\"source\" is missing")]
    [InlineData("""{"year": 2026, "source": "  ", "holidays": []}""", "\"source\" must name the notice")]
    [InlineData("""{"year": 2026, "source": "s"}""", "\"holidays\" is missing")]
    [InlineData("""[]""", "must be a JSON object")]
    [InlineData("""{"year": 2026,""", "not valid JSON")]
    public void Parse_rejects_a_bad_document_with_a_clear_message(string json, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => CalendarYear.Parse(json));

        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Parse_lists_every_problem_at_once()
    {
        var ex = Assert.Throws<FormatException>(() => CalendarYear.Parse(
            """{"year": 2026, "source": "s", "holidays": ["2025-10-01"], "makeUpWorkingDays": ["2026-03-10"]}"""));

        Assert.StartsWith("Calendar year 2026 is invalid:", ex.Message);
        Assert.Contains("holiday 2025-10-01 is not in 2026", ex.Message);
        Assert.Contains("2026-03-10 is a Tuesday", ex.Message);
    }

    [Fact]
    public void Create_applies_the_same_rules()
    {
        var ex = Assert.Throws<ArgumentException>(() => CalendarYear.Create(2026, "s", [], [Day("2026-03-10")]));

        Assert.Contains("must be a Saturday or Sunday", ex.Message);
    }

    [Fact]
    public void ToJson_writes_ranges_and_parses_back_to_the_same_year()
    {
        foreach (var year in WorkingDayCalendar.ChinaDefault().Years)
        {
            var json = year.ToJson();
            var again = CalendarYear.Parse(json);

            Assert.Equal(year.Year, again.Year);
            Assert.Equal(year.Source, again.Source);
            Assert.Equal(year.Holidays, again.Holidays);
            Assert.Equal(year.MakeUpWorkingDays, again.MakeUpWorkingDays);
        }

        var y2026 = WorkingDayCalendar.ChinaDefault().Years.Single(y => y.Year == 2026).ToJson();
        Assert.Contains("\"2026-02-15/2026-02-23\"", y2026);
        Assert.Contains("国务院办公厅", y2026);
    }

    [Fact]
    public void Shipped_years_state_their_source_and_the_official_counts()
    {
        var years = WorkingDayCalendar.ChinaDefault().Years;

        Assert.Equal([2025, 2026], years.Select(y => y.Year));
        Assert.Equal(OfficialDates.Expand(OfficialDates.Holidays2025).Count, years[0].Holidays.Count);
        Assert.Equal(OfficialDates.Expand(OfficialDates.Holidays2026).Count, years[1].Holidays.Count);
        Assert.Equal(5, years[0].MakeUpWorkingDays.Count);
        Assert.Equal(6, years[1].MakeUpWorkingDays.Count);
        Assert.All(years, y => Assert.Contains("国", y.Source));
    }
}
