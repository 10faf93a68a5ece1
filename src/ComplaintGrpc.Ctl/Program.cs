using System.CommandLine;
using ComplaintGrpc.Ctl;

var connection = new Connection();
var root = new RootCommand("complaintctl: administer a ComplaintGrpc service (exit codes: 0 done, 1 the server refused or failed, 2 bad input)")
{
    CaseCommands.Submit(connection),
    CaseCommands.Show(connection),
    CalendarCommands.Calendar(connection),
    ReportCommands.Report(connection),
    DevCommands.MintToken(),
    DevCommands.HashPassword(),
};
var parse = root.Parse(args);
// A command line that does not parse is bad input (exit 2), told as such; System.CommandLine would say 1.
if (parse.Errors.Count > 0)
{
    foreach (var error in parse.Errors)
        Console.Error.WriteLine($"error: {error.Message}");
    Console.Error.WriteLine("(complaintctl --help, or complaintctl COMMAND --help)");
    return Failures.BadInput;
}
return await parse.InvokeAsync();
