using System.CommandLine;
using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using Grpc.Core;
using Spectre.Console;

namespace ComplaintGrpc.Ctl;

/// <summary>
/// <c>report run</c> (compute a past date's backlog report, on the worker or within the call) and
/// <c>report download</c> (one stored report as the HTML page or a CSV table, into a file). Progress goes to standard
/// error, so standard output carries only the result.
/// </summary>
public static class ReportCommands
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public static Command Report(Connection connection) => new("report", "The daily backlog report") { Run(connection), Download(connection) };

    private static Option<string> DateOption(bool required) => new("--date")
    {
        Description = required ? "The report date, yyyy-MM-dd (a past day)" : "The report date, yyyy-MM-dd (default: the latest stored report)",
        Required = required,
        Validators =
        {
            r =>
            {
                var value = r.GetValueOrDefault<string>();
                if (value is not null && !DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                    r.AddError($"--date must be yyyy-MM-dd; got '{value}'");
            },
        },
    };

    private static Command Run(Connection connection)
    {
        var date = DateOption(required: true);
        var wait = new Option<bool>("--wait") { Description = "Compute within the call instead of handing the run to the worker" };
        var timeout = new Option<TimeSpan>("--timeout")
        {
            Description = "How long to wait for the report (default 00:10:00)",
            DefaultValueFactory = _ => TimeSpan.FromMinutes(10),
        };
        var command = connection.AddTo(new Command("run", "Compute (or recompute) the backlog report of a past date and wait until it is stored")
        {
            date, wait, timeout,
        });
        command.SetAction((parse, cancel) => Failures.Guard(async () =>
        {
            using var channel = connection.Open(parse);
            if (channel is null)
                return Failures.BadInput;
            var reports = new ReportService.ReportServiceClient(channel);
            var reportDate = parse.GetValue(date)!;
            var until = DateTime.UtcNow + parse.GetValue(timeout);
            ReportSummary? stored = null;
            await WithProgress($"report {reportDate}: starting", async step =>
            {
                if (parse.GetValue(wait))
                {
                    step($"report {reportDate}: computing", true);
                    var done = await reports.RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = reportDate, Wait = true },
                        deadline: until, cancellationToken: cancel);
                    stored = done.Report.Summary;
                }
                else
                {
                    var before = await Generation(reports, reportDate, until, cancel);
                    var run = await reports.RunBacklogReportAsync(new RunBacklogReportRequest { ReportDate = reportDate },
                        deadline: until, cancellationToken: cancel);
                    step($"report {reportDate}: run {run.RunId} queued for the worker", true);
                    // The worker stores the report with the next generation; poll for it until the timeout.
                    while (stored is null)
                    {
                        if (DateTime.UtcNow > until)
                            throw new RpcException(new Grpc.Core.Status(StatusCode.DeadlineExceeded,
                                $"the report of {reportDate} was not stored within {parse.GetValue(timeout)} (run {run.RunId}; see the Hangfire dashboard)"));
                        await Task.Delay(PollInterval, cancel);
                        var current = await Find(reports, reportDate, until, cancel);
                        if (current is not null && current.Generation > before)
                            stored = current;
                    }
                }
                step($"report {reportDate}: stored", true);
            });
            Console.WriteLine($"report {stored!.ReportDate} generation {stored.Generation}, computed {stored.GeneratedTime.ToDateTimeOffset():O} in {stored.Duration.ToTimeSpan().TotalSeconds:0.###} s");
            return Failures.Ok;
        }));
        return command;
    }

    private static Command Download(Connection connection)
    {
        var date = DateOption(required: false);
        var format = new Option<string>("--format") { Description = "csv or html", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "html");
        var tableNames = Enum.GetValues<ReportTable>().Skip(1).Select(Kebab).ToArray();
        var table = new Option<string>("--table") { Description = $"The CSV table: {string.Join(", ", tableNames)}" };
        table.AcceptOnlyFromAmong(tableNames);
        var output = new Option<FileInfo>("--out") { Description = "The file to write (default: the server's file name, in the current folder)" };
        var command = connection.AddTo(new Command("download", "Download a stored report as the HTML page or one CSV table") { date, format, table, output });
        command.Validators.Add(r =>
        {
            var csv = r.GetValue(format) == "csv";
            if (csv && r.GetValue(table) is null)
                r.AddError($"--format csv needs --table ({string.Join(", ", tableNames)})");
            if (!csv && r.GetValue(table) is not null)
                r.AddError("--table is for --format csv only");
        });
        command.SetAction((parse, cancel) => Failures.Guard(async () =>
        {
            if (parse.GetValue(output) is { Directory.Exists: false } missing)
            {
                Console.Error.WriteLine($"error: no such folder: {missing.DirectoryName}");
                return Failures.BadInput;
            }
            using var channel = connection.Open(parse);
            if (channel is null)
                return Failures.BadInput;
            var csv = parse.GetValue(format) == "csv";
            var request = new DownloadReportRequest
            {
                ReportDate = parse.GetValue(date) ?? "",
                Format = csv ? ReportFormat.Csv : ReportFormat.Html,
                Table = csv ? Enum.GetValues<ReportTable>().Single(t => Kebab(t) == parse.GetValue(table)) : ReportTable.Unspecified,
            };
            var target = parse.GetValue(output);
            // Beside the final file, so the move below is a rename on one file system, and made with the usual
            // permissions (a temporary-folder file would be private to the operator).
            var temporary = Path.Combine(target?.DirectoryName ?? Directory.GetCurrentDirectory(), $".complaintctl-{Guid.NewGuid():N}.part");
            string? fileName = null;
            long bytes = 0;
            try
            {
                await WithProgress("downloading", async step =>
                {
                    using var call = new ReportService.ReportServiceClient(channel)
                        .DownloadReport(request, deadline: DateTime.UtcNow.AddMinutes(10), cancellationToken: cancel);
                    await using var file = File.Create(temporary);
                    await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancel))
                    {
                        if (chunk.FileName.Length > 0)
                            fileName = chunk.FileName;
                        await file.WriteAsync(chunk.Data.Memory, cancel);
                        bytes += chunk.Data.Length;
                        step($"{fileName}: {bytes:N0} bytes", false);
                    }
                    step($"{fileName}: {bytes:N0} bytes, done", true);
                });
                // Written whole or not at all: a failed download leaves no half file under the final name.
                var path = target?.FullName ?? Path.GetFullPath(Path.GetFileName(fileName ?? "report"));
                File.Move(temporary, path, overwrite: true);
                Console.WriteLine($"{path} ({bytes} bytes)");
                return Failures.Ok;
            }
            finally
            {
                File.Delete(temporary);
            }
        }));
        return command;
    }

    /// <summary>REPORT_TABLE_DUE_SOON → due-soon: the command line's name of a table.</summary>
    private static string Kebab(ReportTable table) =>
        string.Concat(table.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? $"-{char.ToLowerInvariant(c)}" : $"{char.ToLowerInvariant(c)}"));

    private static async Task<int> Generation(ReportService.ReportServiceClient reports, string date, DateTime until, CancellationToken cancel) =>
        (await Find(reports, date, until, cancel))?.Generation ?? 0;

    private static async Task<ReportSummary?> Find(ReportService.ReportServiceClient reports, string date, DateTime until, CancellationToken cancel)
    {
        try
        {
            return (await reports.GetBacklogReportAsync(new GetBacklogReportRequest { ReportDate = date }, deadline: until, cancellationToken: cancel)).Summary;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> with its progress on standard error: a live bar at a terminal; otherwise (a script,
    /// a log) one plain line per milestone, so nothing is redrawn or wrapped into the log.
    /// </summary>
    private static async Task WithProgress(string first, Func<Action<string, bool>, Task> work)
    {
        if (Console.IsErrorRedirected)
        {
            Console.Error.WriteLine(first);
            await work((description, milestone) =>
            {
                if (milestone)
                    Console.Error.WriteLine(description);
            });
            return;
        }
        await AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) })
            .Progress()
            .AutoClear(false)
            .Columns(new SpinnerColumn(), new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new ElapsedTimeColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask(first).IsIndeterminate();
                await work((description, _) => task.Description = description);
                task.IsIndeterminate = false;
                task.Value = task.MaxValue;
            });
    }
}
