using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Reporting;
using ComplaintGrpc.Server.Complaints;
using ComplaintGrpc.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace ComplaintGrpc.IntegrationTests.Complaints;

/// <summary>Grumbles, opinions and enquiries as request kinds with their own clocks, and 抱怨/意见建议 → 投诉 over real gRPC
/// and PostgreSQL. The expected deadlines come from SlaService.PreviewDeadlines: what a case of that kind received at
/// that instant gets.</summary>
public static class Conversions
{
    public static SubmitComplaintRequest Request(RequestKind kind, string? account = null)
    {
        var request = Sample.Complaint();
        request.RequestKind = kind;
        request.ReceivedTime = new Timestamp { Seconds = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds() };
        if (account is not null)
            request.Customer.AccountNumber = account;
        return request;
    }

    /// <summary>The deadlines of a 95598 case of <paramref name="kind"/> received at <paramref name="receivedAt"/>.</summary>
    public static async Task<IReadOnlyList<CaseDeadline>> PreviewAsync(ServerHost host, RequestKind kind, Timestamp receivedAt) =>
        (await new SlaService.SlaServiceClient(host.Channel).PreviewDeadlinesAsync(new PreviewDeadlinesRequest
        {
            Channel = Channel.Phone95598, RequestKind = kind, Level = Level.Normal, CustomerClass = CustomerClass.Residential, ReceivedTime = receivedAt,
        })).Deadlines;

    /// <summary>Each running receipt clock of <paramref name="c"/> as (clock, round, start, limit, due).</summary>
    public static object[] Clocks(Complaint c) =>
        [.. c.Deadlines.Where(d => d.Clock is ClockKind.Dispatch or ClockKind.FirstContact or ClockKind.Reply)
            .Select(d => (d.Clock, d.Round, d.StartedTime, d.Limit, d.DueTime, d.StoppedTime))];

    public static object[] Expected(IReadOnlyList<CaseDeadline> preview, int round, Timestamp start) =>
        [.. preview.Select(d => (d.Clock, round, start, d.Limit, d.DueTime, (Timestamp?)null))];

    public static async Task<Complaint> ConvertAsync(ComplaintService.ComplaintServiceClient client, Complaint c, string reason = "客户来电坚持投诉") =>
        await client.ConvertToComplaintAsync(new ConvertToComplaintRequest { Id = c.Id, Etag = c.Etag, Reason = reason });
}

public sealed class ConversionTests(ServerHost host) : IClassFixture<ServerHost>
{
    [Fact]
    public async Task A_grumble_runs_the_grumble_clocks_and_once_converted_the_complaint_clocks_from_its_original_receipt()
    {
        var grumble = await host.Complaints.SubmitComplaintAsync(Conversions.Request(RequestKind.Grumble));
        Assert.Equal(RequestKind.Grumble, grumble.RequestKind);
        Assert.Equal("2 working days", grumble.Deadlines.Single(d => d.Clock == ClockKind.Reply).Limit);
        Assert.Equal(Conversions.Expected(await Conversions.PreviewAsync(host, RequestKind.Grumble, grumble.ReceivedTime), 1, grumble.ReceivedTime),
            Conversions.Clocks(grumble));

        var converted = await Conversions.ConvertAsync(host.Complaints, grumble);

        Assert.Equal((RequestKind.Complaint, RequestKind.Grumble, CaseStatus.Received), (converted.RequestKind, converted.OriginalRequestKind, converted.Status));
        Assert.NotNull(converted.ConvertTime);
        Assert.NotEqual(grumble.Etag, converted.Etag);
        // Receipt (the default): a new round of every running clock, under the complaint's limits, counted from the receipt.
        Assert.Equal(Conversions.Expected(await Conversions.PreviewAsync(host, RequestKind.Complaint, grumble.ReceivedTime), 2, grumble.ReceivedTime),
            Conversions.Clocks(converted));
        Assert.Equal("4 working days", converted.Deadlines.Single(d => d.Clock == ClockKind.Reply).Limit);
        Assert.Equal(Sample.Stored(converted), Sample.Stored(await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = grumble.Id })));

        var last = (await host.Complaints.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = grumble.Id })).Events.Last();
        Assert.Equal((CaseAction.ConvertedToComplaint, "ConvertedToComplaint", CaseStatus.Received, CaseStatus.Received),
            (last.ActionKind, last.Action, last.FromStatus, last.ToStatus));
        Assert.Equal(("Grumble", "Complaint", "客户来电坚持投诉", "Receipt"),
            (last.Details["from_kind"], last.Details["to_kind"], last.Details["reason"], last.Details["clocks_from"]));
        Assert.Equal(converted.Deadlines.Single(d => d.Clock == ClockKind.Reply).DueTime.ToDateTimeOffset(),
            DateTimeOffset.Parse(last.Details["Reply.due"], CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_late_conversion_from_the_receipt_is_overdue_at_once_it_does_not_extend_the_wait()
    {
        var request = Conversions.Request(RequestKind.Grumble);
        request.ReceivedTime = new Timestamp { Seconds = DateTimeOffset.UtcNow.AddDays(-12).ToUnixTimeSeconds() };
        var grumble = await host.Complaints.SubmitComplaintAsync(request);

        var converted = await Conversions.ConvertAsync(host.Complaints, grumble);

        var reply = converted.Deadlines.Single(d => d.Clock == ClockKind.Reply);
        Assert.Equal((2, "4 working days", grumble.ReceivedTime, ClockStatus.Breached), (reply.Round, reply.Limit, reply.StartedTime, reply.Status));
        Assert.True(reply.DueTime.ToDateTimeOffset() < converted.ConvertTime.ToDateTimeOffset());
    }

    [Fact]
    public async Task A_supervisor_of_the_case_unit_converts_an_opinion_in_handling_and_met_clocks_stay_met()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var c = await host.Complaints.SubmitComplaintAsync(Conversions.Request(RequestKind.Opinion));
        c = await host.Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = org.Station });
        var dispatch = c.Deadlines.Single(d => d.Clock == ClockKind.Dispatch);
        Assert.NotNull(dispatch.StoppedTime);
        var station = new ComplaintService.ComplaintServiceClient(host.ChannelFor(host.Token("sup-station", [Roles.Supervisor], org.Station)));

        var converted = await Conversions.ConvertAsync(station, c, "意见升级为投诉");

        Assert.Equal((RequestKind.Complaint, RequestKind.Opinion, CaseStatus.Dispatched), (converted.RequestKind, converted.OriginalRequestKind, converted.Status));
        Assert.Equal(dispatch, converted.Deadlines.Single(d => d.Clock == ClockKind.Dispatch));
        var reply = converted.Deadlines.Single(d => d.Clock == ClockKind.Reply);
        Assert.Equal((2, "4 working days", c.ReceivedTime), (reply.Round, reply.Limit, reply.StartedTime));
    }

    [Fact]
    public async Task A_handler_may_not_convert_and_nothing_changes()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var c = await host.Complaints.SubmitComplaintAsync(Conversions.Request(RequestKind.Grumble));
        c = await host.Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = org.Station });
        var handler = new ComplaintService.ComplaintServiceClient(host.ChannelFor(host.Token(org.Handler, [Roles.Handler], org.Station)));

        var e = await Assert.ThrowsAsync<RpcException>(() => Conversions.ConvertAsync(handler, c));

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal(Sample.Stored(c), Sample.Stored(await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = c.Id })));
    }

    [Theory]
    [InlineData(RequestKind.Complaint)]
    [InlineData(RequestKind.Report)]
    [InlineData(RequestKind.Enquiry)]
    public async Task Converting_any_other_kind_is_a_failed_precondition_naming_the_kind(RequestKind kind)
    {
        var c = await host.Complaints.SubmitComplaintAsync(Conversions.Request(kind));

        var e = await Assert.ThrowsAsync<RpcException>(() => Conversions.ConvertAsync(host.Complaints, c));

        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        var info = Sample.ErrorInfo(e);
        Assert.Equal(("NOT_CONVERTIBLE", kind.ToString()), (info.Reason, info.Metadata["request_kind"]));
        Assert.Equal(Sample.Stored(c), Sample.Stored(await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = c.Id })));
    }

    [Fact]
    public async Task A_replied_grumble_is_an_illegal_transition_and_an_empty_reason_or_a_stale_etag_is_refused()
    {
        var org = await Sample.OrganizationAsync(host.Organization);
        var replied = await host.Complaints.SubmitComplaintAsync(Conversions.Request(RequestKind.Grumble));
        replied = await host.Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = replied.Id, Etag = replied.Etag, UnitId = org.Station });
        replied = await host.Complaints.AssignHandlerAsync(new AssignHandlerRequest { Id = replied.Id, Etag = replied.Etag, HandlerId = org.Handler });
        replied = await host.Complaints.AcceptAssignmentAsync(new AcceptAssignmentRequest { Id = replied.Id, Etag = replied.Etag });
        replied = await host.Complaints.RecordFirstContactAsync(new RecordFirstContactRequest { Id = replied.Id, Etag = replied.Etag });
        replied = await host.Complaints.ReplyToCustomerAsync(new ReplyToCustomerRequest { Id = replied.Id, Etag = replied.Etag, ReplyText = "已解释停电原因。" });
        var grumble = await host.Complaints.SubmitComplaintAsync(Conversions.Request(RequestKind.Grumble));

        var illegal = await Assert.ThrowsAsync<RpcException>(() => Conversions.ConvertAsync(host.Complaints, replied));
        Assert.Equal(StatusCode.FailedPrecondition, illegal.StatusCode);
        var info = Sample.ErrorInfo(illegal);
        Assert.Equal(("ILLEGAL_TRANSITION", "Replied", "ConvertToComplaint"), (info.Reason, info.Metadata["from"], info.Metadata["action"]));

        var empty = await Assert.ThrowsAsync<RpcException>(() => Conversions.ConvertAsync(host.Complaints, grumble, ""));
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        Assert.Equal(["reason"], Sample.BadFields(empty));

        var stale = await Assert.ThrowsAsync<RpcException>(() =>
            host.Complaints.ConvertToComplaintAsync(new ConvertToComplaintRequest { Id = grumble.Id, Etag = "99", Reason = "升级" }).ResponseAsync);
        Assert.Equal(StatusCode.Aborted, stale.StatusCode);
        Assert.Equal(Sample.Stored(grumble), Sample.Stored(await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = grumble.Id })));
    }

    [Fact]
    public async Task ListComplaints_filters_by_request_kind_and_by_conversion()
    {
        var account = Random.Shared.NextInt64(1_000_000_000, 9_999_999_999).ToString(CultureInfo.InvariantCulture);
        var converted = await host.Complaints.SubmitComplaintAsync(Conversions.Request(RequestKind.Grumble, account));
        var grumble = await host.Complaints.SubmitComplaintAsync(Conversions.Request(RequestKind.Grumble, account));
        var opinion = await host.Complaints.SubmitComplaintAsync(Conversions.Request(RequestKind.Opinion, account));
        var enquiry = await host.Complaints.SubmitComplaintAsync(Conversions.Request(RequestKind.Enquiry, account));
        await Conversions.ConvertAsync(host.Complaints, converted);

        async Task<string[]> List(Action<ListComplaintsRequest> filter)
        {
            var request = new ListComplaintsRequest { CustomerAccountNumber = account };
            filter(request);
            return [.. (await host.Complaints.ListComplaintsAsync(request)).Complaints.Select(c => c.Id)];
        }

        Assert.Equal([converted.Id], await List(r => r.ConvertedOnly = true));
        Assert.Equal([converted.Id], await List(r => r.RequestKinds.Add(RequestKind.Complaint)));
        Assert.Equal([grumble.Id], await List(r => r.RequestKinds.Add(RequestKind.Grumble)));
        Assert.Equal([enquiry.Id, opinion.Id], await List(r => r.RequestKinds.Add([RequestKind.Opinion, RequestKind.Enquiry])));
        Assert.Empty(await List(r => { r.ConvertedOnly = true; r.RequestKinds.Add(RequestKind.Grumble); }));

        var bad = await Assert.ThrowsAsync<RpcException>(() => List(r => r.RequestKinds.Add((RequestKind)99)));
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Equal(["request_kinds"], Sample.BadFields(bad));
    }

    [Fact]
    public async Task The_monthly_report_counts_received_kinds_as_received_and_conversions_by_original_kind()
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        AnalysisMonth MonthOf(DateTimeOffset t) => AnalysisMonth.Of(DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(t, zone).DateTime), zone);
        var grumbleRequest = Conversions.Request(RequestKind.Grumble);
        var month = MonthOf(grumbleRequest.ReceivedTime.ToDateTimeOffset());
        var conversionMonth = MonthOf(DateTimeOffset.UtcNow);
        var before = await KindsAsync(month);
        var conversionsBefore = await KindsAsync(conversionMonth);

        var grumble = await host.Complaints.SubmitComplaintAsync(grumbleRequest);
        await host.Complaints.SubmitComplaintAsync(Conversions.Request(RequestKind.Grumble));
        var opinion = await host.Complaints.SubmitComplaintAsync(Conversions.Request(RequestKind.Opinion));
        await host.Complaints.SubmitComplaintAsync(Conversions.Request(RequestKind.Enquiry));
        await Conversions.ConvertAsync(host.Complaints, grumble);
        await Conversions.ConvertAsync(host.Complaints, opinion);
        var after = await KindsAsync(month);
        var conversionsAfter = await KindsAsync(conversionMonth);

        int Delta(MonthlyRequestKinds a, MonthlyRequestKinds b, RequestKind kind, Func<MonthlyRequestKind, MonthlyCounts> pick) =>
            pick(a.Kinds.Single(k => k.RequestKind == kind)).Current - pick(b.Kinds.Single(k => k.RequestKind == kind)).Current;
        // Received as received: the two grumbles (one now a complaint) stay grumbles, the complaint count is untouched.
        Assert.Equal((2, 1, 1, 0), (Delta(after, before, RequestKind.Grumble, k => k.Received), Delta(after, before, RequestKind.Opinion, k => k.Received),
            Delta(after, before, RequestKind.Enquiry, k => k.Received), Delta(after, before, RequestKind.Complaint, k => k.Received)));
        Assert.Equal((1, 1, 0), (Delta(conversionsAfter, conversionsBefore, RequestKind.Grumble, k => k.ConvertedToComplaint),
            Delta(conversionsAfter, conversionsBefore, RequestKind.Opinion, k => k.ConvertedToComplaint),
            Delta(conversionsAfter, conversionsBefore, RequestKind.Enquiry, k => k.ConvertedToComplaint)));
        Assert.Equal([RequestKind.Complaint, RequestKind.Report, RequestKind.Enquiry, RequestKind.Opinion, RequestKind.Grumble],
            after.Kinds.Select(k => k.RequestKind));

        // The section in the files: a CSV table with a conversion row for the kinds that convert, and an HTML table.
        var report = new AnalysisReport { RequestKinds = conversionsAfter };
        var csv = System.Text.Encoding.UTF8.GetString(AnalysisReportFiles.Csv(report, AnalysisReportTable.RequestKinds)).TrimStart('\uFEFF');
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("诉求类型,指标,本月,上月,环比增减,环比,去年同月,同比增减,同比", lines[0]);
        var grumbleConversions = conversionsAfter.Kinds.Single(k => k.RequestKind == RequestKind.Grumble).ConvertedToComplaint.Current;
        Assert.StartsWith($"抱怨,转投诉,{grumbleConversions},", lines.Single(l => l.StartsWith("抱怨,转投诉,", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Equal(5 + 2, lines.Length - 1);
    }

    [Theory]
    [InlineData("Sometimes")]
    [InlineData("7")]
    public async Task An_unknown_clocks_from_setting_stops_the_host_at_start_naming_the_setting(string value)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Intake:Conversion:ClocksFrom"] = value });
        builder.Services.AddIntake();
        using var app = builder.Build();

        var e = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());

        Assert.Contains("Intake:Conversion:ClocksFrom", e.ToString(), StringComparison.Ordinal);
    }

    private async Task<MonthlyRequestKinds> KindsAsync(AnalysisMonth month)
    {
        await using var connection = await host.Database.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        return (await AnalysisReportQuery.ComputeAsync(connection, tx, month, 60, CancellationToken.None)).RequestKinds;
    }
}

/// <summary>Intake:Conversion:ClocksFrom = Conversion: the complaint's clocks start at the conversion instant.</summary>
public sealed class ConversionFromConversionTests(ConversionFromConversionTests.Host host) : IClassFixture<ConversionFromConversionTests.Host>
{
    public sealed class Host : ServerHost
    {
        protected override void Configure(WebApplicationBuilder builder) =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Intake:Conversion:ClocksFrom"] = "Conversion" });
    }

    [Fact]
    public async Task A_converted_grumble_runs_the_complaint_clocks_from_the_conversion()
    {
        var grumble = await host.Complaints.SubmitComplaintAsync(Conversions.Request(RequestKind.Grumble));

        var converted = await Conversions.ConvertAsync(host.Complaints, grumble);

        Assert.True(converted.ConvertTime.ToDateTimeOffset() > grumble.ReceivedTime.ToDateTimeOffset());
        Assert.Equal(Conversions.Expected(await Conversions.PreviewAsync(host, RequestKind.Complaint, converted.ConvertTime), 2, converted.ConvertTime),
            Conversions.Clocks(converted));
        var last = (await host.Complaints.GetComplaintHistoryAsync(new GetComplaintHistoryRequest { Id = grumble.Id })).Events.Last();
        Assert.Equal(("ConvertedToComplaint", "Conversion"), (last.Action, last.Details["clocks_from"]));
    }
}
