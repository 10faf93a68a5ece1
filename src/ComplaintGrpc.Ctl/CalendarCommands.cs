using System.CommandLine;
using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Ctl;

/// <summary><c>calendar load FILE</c> (next year's holidays, as published each November) and <c>calendar list</c>.</summary>
public static class CalendarCommands
{
    public static Command Calendar(Connection connection)
    {
        var file = new Argument<FileInfo>("file") { Description = "The year document (JSON, see ops/README.md, \"Working-day calendar\")" };
        var load = connection.AddTo(new Command("load", "Load (or replace) one year of the working-day calendar from a file") { file });
        load.SetAction((parse, cancel) => Failures.Guard(async () =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                Console.Error.WriteLine($"error: no such file: {path.FullName}");
                return Failures.BadInput;
            }
            var document = await File.ReadAllTextAsync(path.FullName, cancel);
            using var channel = connection.Open(parse);
            if (channel is null)
                return Failures.BadInput;
            var year = await new SlaService.SlaServiceClient(channel).LoadCalendarYearAsync(
                new LoadCalendarYearRequest { DocumentJson = document }, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancel);
            Console.WriteLine($"loaded {Describe(year)}");
            return Failures.Ok;
        }));

        var list = connection.AddTo(new Command("list", "The years the calendar covers, shipped and loaded"));
        list.SetAction((parse, cancel) => Failures.Guard(async () =>
        {
            using var channel = connection.Open(parse);
            if (channel is null)
                return Failures.BadInput;
            var years = await new SlaService.SlaServiceClient(channel).ListCalendarYearsAsync(
                new ListCalendarYearsRequest(), deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancel);
            foreach (var year in years.Years)
                Console.WriteLine(Describe(year));
            return Failures.Ok;
        }));

        return new Command("calendar", "The working-day calendar (statutory holidays and make-up working days)") { load, list };
    }

    private static string Describe(CalendarYearSummary y) =>
        $"{y.Year} {y.Origin}: {y.HolidayCount} holidays, {y.MakeUpWorkingDayCount} make-up working days ({y.Source})";
}
