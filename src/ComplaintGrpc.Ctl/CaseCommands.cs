using System.CommandLine;
using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using CaseChannel = ComplaintGrpc.Contracts.V1.Channel;

namespace ComplaintGrpc.Ctl;

/// <summary><c>submit</c> (a test complaint) and <c>show</c> (a case and its clocks).</summary>
public static class CaseCommands
{
    /// <summary>Times are shown in the service's home time zone, where its working days are counted.</summary>
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static Command Submit(Connection connection)
    {
        var requestId = new Option<string>("--request-id")
        {
            Description = "Idempotency key (1-64 of A-Z a-z 0-9 . _ : -); repeat it to retry the same submit (default: a new one)",
            DefaultValueFactory = _ => $"ctl-{Guid.NewGuid():N}",
        };
        var phone = new Option<string>("--phone") { Description = "The customer's phone", DefaultValueFactory = _ => "13800138000" };
        var description = new Option<string>("--description")
        {
            Description = "What the customer said",
            DefaultValueFactory = _ => "小区停电三小时，至今未恢复。(test complaint from complaintctl)",
        };
        var received = new Option<DateTimeOffset?>("--received") { Description = "When the customer complained, ISO-8601 (default: now)" };
        var command = connection.AddTo(new Command("submit", "Submit a test complaint (95598 phone, outage, normal level, residential) and show the stored case")
        {
            requestId, phone, description, received,
        });
        command.SetAction((parse, cancel) => Failures.Guard(async () =>
        {
            using var channel = connection.Open(parse);
            if (channel is null)
                return Failures.BadInput;
            var request = new SubmitComplaintRequest
            {
                RequestId = parse.GetValue(requestId),
                Channel = CaseChannel.Phone95598,
                RequestKind = RequestKind.Complaint,
                Category = Category.Outage,
                SubCategory = SubCategory.Outage,
                Level = Level.Normal,
                Customer = new Customer { Phone = parse.GetValue(phone), CustomerClass = CustomerClass.Residential },
                SiteClass = SiteClass.Urban,
                Description = parse.GetValue(description),
            };
            if (parse.GetValue(received) is { } at)
                request.ReceivedTime = Timestamp.FromDateTimeOffset(at);
            var stored = await new ComplaintService.ComplaintServiceClient(channel)
                .SubmitComplaintAsync(request, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancel);
            Print(stored, Console.Out);
            return Failures.Ok;
        }));
        return command;
    }

    public static Command Show(Connection connection)
    {
        var target = new Argument<string>("case") { Description = "Case number (CP...) or case id (UUID)" };
        var command = connection.AddTo(new Command("show", "Show a case: status, unit, handler and every time-limit clock") { target });
        command.SetAction((parse, cancel) => Failures.Guard(async () =>
        {
            using var channel = connection.Open(parse);
            if (channel is null)
                return Failures.BadInput;
            var value = parse.GetValue(target)!.Trim();
            var request = Guid.TryParse(value, out _) ? new GetComplaintRequest { Id = value } : new GetComplaintRequest { CaseNumber = value };
            var found = await new ComplaintService.ComplaintServiceClient(channel)
                .GetComplaintAsync(request, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancel);
            Print(found, Console.Out);
            return Failures.Ok;
        }));
        return command;
    }

    public static void Print(Complaint c, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"case_number  {c.CaseNumber}");
        output.WriteLine($"id           {c.Id}");
        output.WriteLine($"request_id   {c.RequestId}");
        output.WriteLine($"status       {c.Status}");
        output.WriteLine($"category     {c.Category} / {c.SubCategory}, level {c.Level}, channel {c.Channel}");
        output.WriteLine($"received     {Local(c.ReceivedTime)}");
        output.WriteLine($"unit         {Or(c.UnitId)}");
        output.WriteLine($"handler      {Or(c.HandlerId)}");
        output.WriteLine($"clocks       {c.Deadlines.Count}");
        if (c.Deadlines.Count == 0)
            return;
        var rows = c.Deadlines.Select(d => new[]
        {
            d.Clock.ToString(), d.Round.ToString(CultureInfo.InvariantCulture), d.Status.ToString(), d.Limit, Local(d.DueTime),
            d.Remaining is null ? "-" : Remaining(d.Remaining.ToTimeSpan()), d.CalendarCovered ? "" : "provisional (calendar not loaded)",
        }).Prepend(["CLOCK", "ROUND", "STATUS", "LIMIT", "DUE", "REMAINING", ""]).ToList();
        var widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        foreach (var row in rows)
            output.WriteLine("  " + string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd());
    }

    private static string Or(string value) => value.Length == 0 ? "-" : value;

    private static string Local(Timestamp? at) =>
        at is null ? "-" : TimeZoneInfo.ConvertTime(at.ToDateTimeOffset(), Shanghai).ToString("yyyy-MM-dd HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static string Remaining(TimeSpan left) =>
        (left < TimeSpan.Zero ? "overdue " : "") + left.Duration().ToString(@"d\d\ hh\h\ mm\m", CultureInfo.InvariantCulture);
}
