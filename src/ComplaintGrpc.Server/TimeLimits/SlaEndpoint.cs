using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Domain.TimeLimits;
using ComplaintGrpc.Server.Complaints;
using ComplaintGrpc.Server.Evaluation;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Storage;
using Dapper;
using ComplaintGrpc.Server.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Npgsql;

namespace ComplaintGrpc.Server.TimeLimits;

/// <summary>complaints.v1.SlaService: deadline previews for intake desks, and the working-day calendar.</summary>
public sealed class SlaEndpoint(NpgsqlDataSource db, CalendarStore calendars, DeadlinePolicy policy, TimeProvider clock)
    : SlaService.SlaServiceBase
{
    [Authorize(Roles = Roles.Everyone)]
    public override async Task<PreviewDeadlinesResponse> PreviewDeadlines(PreviewDeadlinesRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        new RequestValidator()
            .Enum("channel", request.Channel)
            .Enum("request_kind", request.RequestKind)
            .Enum("level", request.Level)
            .Enum("customer_class", request.CustomerClass)
            .Check(request.ReceivedTime is not null, "received_time", "is required")
            .Identifier("unit_id", request.UnitId, RequestValidator.UnitIdPattern(), "a unit id", required: false)
            .ThrowIfInvalid();

        await using var connection = await db.OpenConnectionAsync(ct);
        var zone = DeadlineCalculator.DefaultZone;
        if (request.UnitId.Length > 0)
        {
            var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM units WHERE unit_id = @UnitId)", new { request.UnitId }, cancellationToken: ct));
            if (!exists)
                throw DomainException.NotFound("UNIT_NOT_FOUND", $"No unit {request.UnitId}.");
            zone = await CaseClocks.ZoneOfAsync(connection, null, request.UnitId, ct);
        }

        var calendar = await calendars.CurrentAsync(ct);
        var schedule = DeadlineSchedule.Preview(request.ReceivedTime!.ToDateTimeOffset(),
            new CaseAttributes(request.Channel, request.RequestKind, request.Level, request.CustomerClass), policy, calendar, zone);
        var response = new PreviewDeadlinesResponse();
        foreach (var d in schedule)
        {
            calendars.ReportUncovered(d.Deadline, $"a {d.Clock} preview");
            response.Deadlines.Add(CaseClocks.ToContract(CaseClock.Start(d.Clock, 1, request.ReceivedTime.ToDateTimeOffset(), d.Deadline.Limit, calendar, zone)));
        }
        return response;
    }

    [Authorize(Roles = Roles.Administrator)]
    public override async Task<CalendarYearSummary> LoadCalendarYear(LoadCalendarYearRequest request, ServerCallContext context)
    {
        CalendarYear year;
        try
        {
            year = CalendarYear.Parse(request.DocumentJson);
        }
        catch (FormatException e)
        {
            throw DomainException.Invalid("document_json", e.Message);
        }

        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO calendar_years (year, document, loaded_at, loaded_by) VALUES (@Year, @document, @now, @actor)
            ON CONFLICT (year) DO UPDATE SET document = excluded.document, loaded_at = excluded.loaded_at, loaded_by = excluded.loaded_by
            """, new { year.Year, document = year.ToJson(), now = clock.GetUtcNow().UtcDateTime, actor = Caller.Of(context).Actor },
            cancellationToken: context.CancellationToken));
        calendars.Invalidate();
        return Summary(year, "loaded");
    }

    [Authorize(Roles = Roles.Everyone)]
    public override async Task<ListCalendarYearsResponse> ListCalendarYears(ListCalendarYearsRequest request, ServerCallContext context)
    {
        var size = PageToken.Size(request.PageSize, MaxCalendarYearsPage);
        var after = KeyPageToken.Decode(request, request.PageToken, ClearPaging);
        var afterYear = 0;
        if (after.Length > 0 && !int.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out afterYear))
            throw DomainException.Invalid("page_token", "is not a token from this list");
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        var loaded = (await connection.QueryAsync<int>(new CommandDefinition("SELECT year FROM calendar_years", cancellationToken: context.CancellationToken))).ToHashSet();
        var calendar = await calendars.CurrentAsync(context.CancellationToken);
        var years = calendar.Years.Where(y => y.Year > afterYear).OrderBy(y => y.Year).Take(size + 1).ToList();
        var (page, next) = KeyPageToken.Page(years, size, y => y.Year.ToString(CultureInfo.InvariantCulture), request, ClearPaging);
        return new ListCalendarYearsResponse
        {
            Years = { page.Select(y => Summary(y, loaded.Contains(y.Year) ? "loaded" : "shipped")) },
            NextPageToken = next,
        };

        static void ClearPaging(ListCalendarYearsRequest r) { r.PageSize = 0; r.PageToken = ""; }
    }

    /// <summary>The list was unpaged before; a century of calendars is every year a caller that sends no page_size got.</summary>
    private const int MaxCalendarYearsPage = 100;

    private static CalendarYearSummary Summary(CalendarYear year, string origin) => new()
    {
        Year = year.Year,
        Source = year.Source,
        HolidayCount = year.Holidays.Count,
        MakeUpWorkingDayCount = year.MakeUpWorkingDays.Count,
        Origin = origin,
    };
}
