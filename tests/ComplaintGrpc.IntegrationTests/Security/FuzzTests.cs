using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Dapper;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Xunit.Abstractions;

namespace ComplaintGrpc.IntegrationTests.Security;

/// <summary>
/// Hostile input against the real server over a real channel with the desk token (which may call every RPC):
/// thousands of mutated and random requests to every RPC, hostile strings in every text field of a submission, and
/// broken frames and messages no client library would send. Nothing may end as INTERNAL or UNKNOWN, nothing may be
/// stored that a valid request did not create, and no text may be stored other than exactly as sent.
/// </summary>
public sealed class FuzzTests(FuzzHost host, ITestOutputHelper output) : IClassFixture<FuzzHost>
{
    /// <summary>Fixed, so a failure can be repeated; FUZZ_SEED=n runs another sequence.</summary>
    private const int DefaultSeed = 95598;
    private const int RequestCount = 10_000;
    private const int InFlight = 16;
    private static readonly TimeSpan UnaryTimeout = TimeSpan.FromSeconds(30);
    // A live stream (WatchNotifications) sends nothing until a notification is delivered: read its first message or
    // its status for this long, then end the call (DEADLINE_EXCEEDED).
    private static readonly TimeSpan StreamWait = TimeSpan.FromMilliseconds(300);

    private sealed record PlannedCall(int Index, MethodDescriptor Method, string Kind, string Mutation, IMessage? Message, byte[]? Bytes)
    {
        public byte[] Payload() => Bytes ?? Message!.ToByteArray();
    }

    private sealed record Outcome(PlannedCall Call, StatusCode Status, string Detail, SubmitComplaintRequest? Submitted, Complaint? Stored);

    [Fact]
    public async Task Ten_thousand_mutated_and_random_requests_to_every_rpc_get_no_internal_or_unknown_and_store_only_valid_cases()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;
        output.WriteLine($"fuzz seed {seed} (FUZZ_SEED={seed} repeats this run)");
        var valid = await ValidRequests.PrepareAsync(host, "fz");
        var methods = RpcCatalog.All;
        output.WriteLine($"{methods.Count} RPCs: {string.Join(", ", methods.Select(m => $"{m.Service.Name}.{m.Name}"))}");
        // An RPC added to the protos is fuzzed at once, from its empty request, until ValidRequests gains a seed for it.
        if (methods.Where(m => !valid.Has(m)).Select(m => m.FullName).ToList() is { Count: > 0 } unseeded)
            output.WriteLine($"no valid seed request (fuzzed from the empty message): {string.Join(", ", unseeded)}");
        var casesBefore = await CountCasesAsync();

        // The whole plan comes from one random sequence before anything is sent, so the order in which the calls
        // finish cannot change what is sent.
        var random = new Random(seed);
        var mutator = new MessageMutator(random);
        var plan = new List<PlannedCall>(RequestCount);
        for (var i = 0; i < RequestCount; i++)
        {
            var method = methods[i % methods.Count];
            var seedRequest = valid.For(method, i);
            var roll = random.Next(100);
            if (roll < 10)
                plan.Add(new PlannedCall(i, method, valid.Has(method) ? "valid" : "empty", "", seedRequest, null));
            else if (roll < 60)
            {
                var (message, mutation) = mutator.MutateFields(seedRequest);
                plan.Add(new PlannedCall(i, method, "fields", mutation, message, null));
            }
            else
            {
                var (bytes, mutation) = mutator.MutateBytes(seedRequest.ToByteArray());
                plan.Add(new PlannedCall(i, method, "bytes", mutation, null, bytes));
            }
        }

        var invoker = host.Channel.CreateCallInvoker();
        var outcomes = new ConcurrentQueue<Outcome>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = InFlight }, async (call, _) =>
            outcomes.Enqueue(await SendAsync(invoker, call)));
        clock.Stop();
        output.WriteLine($"{plan.Count} requests in {clock.Elapsed.TotalSeconds:F1} s ({plan.Count / clock.Elapsed.TotalSeconds:F0}/s, {InFlight} in flight)");

        foreach (var group in outcomes.GroupBy(o => o.Call.Method.FullName).OrderBy(g => g.Key, StringComparer.Ordinal))
            output.WriteLine($"  {group.Key}: {string.Join(", ", group.GroupBy(o => o.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))}");

        // INTERNAL and UNKNOWN say the server broke. UNAVAILABLE on a live server means the connection was torn down under
        // every call on it (an oversized status once did that), so it counts too.
        var broken = outcomes.Where(o => o.Status is StatusCode.Internal or StatusCode.Unknown or StatusCode.Unavailable)
            .OrderBy(o => o.Call.Index).ToList();
        // A sample of each kind of failure: the first three calls of every method and status, and the server's errors.
        foreach (var o in broken.GroupBy(o => (o.Call.Method.FullName, o.Status)).SelectMany(g => g.Take(3)))
            output.WriteLine($"BROKEN #{o.Call.Index} {o.Call.Method.FullName} [{o.Call.Kind}: {Shorten(o.Call.Mutation)}] -> {o.Status} \"{o.Detail}\"{Environment.NewLine}" +
                $"    request: {Convert.ToHexString(o.Call.Payload().AsSpan(0, Math.Min(96, o.Call.Payload().Length)))}");
        foreach (var line in host.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal)).Take(10))
            output.WriteLine("SERVER " + Shorten(line.Replace(Environment.NewLine, " | ", StringComparison.Ordinal)));
        Assert.True(broken.Count == 0, $"{broken.Count} calls ended INTERNAL, UNKNOWN or UNAVAILABLE (seed {seed}); samples are in the test output");
        Assert.All(methods, m => Assert.Contains(outcomes, o => o.Call.Method == m && o.Status != StatusCode.Unimplemented));

        // The unmutated requests are valid: none may be refused as malformed, and every valid submission succeeds.
        Assert.DoesNotContain(outcomes, o => o.Call.Kind == "valid" && o.Status is StatusCode.InvalidArgument or StatusCode.ResourceExhausted);
        Assert.All(outcomes.Where(o => o.Call.Kind == "valid" && o.Call.Method.InputType.ClrType == typeof(SubmitComplaintRequest)),
            o => Assert.Equal(StatusCode.OK, o.Status));
        // The server is still up: a valid call after the storm succeeds.
        var after = await host.Complaints.SubmitComplaintAsync(Sample.Complaint("fz-after"));
        Assert.Equal(after.Id, (await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = after.Id })).Id);

        // Exactly the cases that successful submissions created, and each stored exactly as it was sent.
        var created = outcomes.Where(o => o.Stored is not null).GroupBy(o => o.Stored!.Id).ToList();
        Assert.Equal(casesBefore + created.Count + 1, await CountCasesAsync());
        foreach (var c in created)
            await AssertStoredAsSentAsync(c.First().Submitted!, c.Key);
        output.WriteLine($"{created.Count} cases created by successful submissions, each stored exactly as sent");
    }

    private static async Task<Outcome> SendAsync(CallInvoker invoker, PlannedCall call)
    {
        var payload = call.Payload();
        var wait = call.Method.IsServerStreaming ? StreamWait : UnaryTimeout;
        try
        {
            var response = await RpcCatalog.CallAsync(invoker, RpcCatalog.RawMethod(call.Method), payload, DateTime.UtcNow + wait);
            if (call.Method.InputType.ClrType != typeof(SubmitComplaintRequest))
                return new Outcome(call, StatusCode.OK, "", null, null);
            // Accepted: the server parsed these bytes as this request, so the test can too.
            return new Outcome(call, StatusCode.OK, "", SubmitComplaintRequest.Parser.ParseFrom(payload), Complaint.Parser.ParseFrom(response));
        }
        catch (RpcException e)
        {
            return new Outcome(call with { Message = null, Bytes = payload.Length > 4096 ? payload[..4096] : payload }, e.StatusCode, e.Status.Detail, null, null);
        }
    }

    [Fact]
    public async Task Hostile_strings_in_each_text_field_of_a_submission_round_trip_exactly_or_are_invalid_argument_naming_the_field()
    {
        string[] fields =
        [
            "request_id", "skip_level_reason", "description", "customer.account_number", "customer.name", "customer.phone",
            "customer.address", "location.supply_unit", "location.substation", "location.feeder", "location.transformer_area",
        ];
        var n = 0;
        var outcomes = new List<string>();
        foreach (var field in fields)
        {
            foreach (var (name, value) in HostileText.All)
            {
                var request = Sample.Complaint($"hs-{n++}");
                request.SkipLevel = field == "skip_level_reason";
                Set(request, field, value);
                try
                {
                    var stored = await host.Complaints.SubmitComplaintAsync(request);
                    await AssertStoredAsSentAsync(request, stored.Id);
                    Assert.Equal(value, Get(stored, field));
                    outcomes.Add($"{field} {name}: stored exactly");
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
                {
                    Assert.Contains(field, Sample.BadFields(e));
                    outcomes.Add($"{field} {name}: INVALID_ARGUMENT ({Sample.Details(e).GetDetail<Google.Rpc.BadRequest>()!.FieldViolations.First(v => v.Field == field).Description})");
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && name == "ten-megabytes")
                {
                    // Over the message size limit: refused before any field is read, so no field can be named.
                    Assert.Equal("MESSAGE_TOO_LARGE", Sample.ErrorInfo(e).Reason);
                    outcomes.Add($"{field} {name}: RESOURCE_EXHAUSTED (message size)");
                }
            }

            // Bytes that are not UTF-8 (lone surrogates and the like) can only be sent raw.
            foreach (var (name, utf8) in HostileText.InvalidUtf8)
            {
                var request = Sample.Complaint($"hs-{n++}");
                request.SkipLevel = field == "skip_level_reason";
                var bytes = WireMessages.WithRawString(request, field, utf8);
                var e = await Assert.ThrowsAsync<RpcException>(() => RpcCatalog.CallAsync(host.Channel.CreateCallInvoker(),
                    RpcCatalog.RawMethod(ComplaintService.Descriptor.FindMethodByName("SubmitComplaint")), bytes, DateTime.UtcNow.AddSeconds(30)));
                Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
                Assert.Equal([field], Sample.BadFields(e));
                outcomes.Add($"{field} {name}: INVALID_ARGUMENT");
            }
        }
        Assert.Equal(0, await CountCasesAsync("request_id LIKE 'hs-%' AND (description LIKE '%' || chr(65533) || '%' OR customer_name LIKE '%' || chr(65533) || '%')"));
        foreach (var line in outcomes)
            output.WriteLine(line);
    }

    [Fact]
    public async Task Broken_frames_and_unparsable_messages_are_invalid_argument_and_oversize_is_resource_exhausted()
    {
        var get = "/complaints.v1.ComplaintService/GetComplaint";
        var validMessage = new GetComplaintRequest { Id = Guid.NewGuid().ToString() }.ToByteArray();

        async Task Expect(StatusCode expected, string path, byte[] body, string? encoding = null, string? because = null)
        {
            var (status, message) = await PostRawAsync(path, body, encoding);
            output.WriteLine($"{because}: {status} \"{message}\"");
            Assert.True(expected == status, $"{because}: expected {expected}, got {status} \"{message}\"");
        }

        await Expect(StatusCode.NotFound, get, WireMessages.Frame(validMessage), because: "a valid frame (control)");
        await Expect(StatusCode.InvalidArgument, get, [], because: "no message at all");
        await Expect(StatusCode.InvalidArgument, get, [0, 0, 0], because: "a partial frame prefix");
        await Expect(StatusCode.InvalidArgument, get, WireMessages.Frame(validMessage, declaredLength: (uint)validMessage.Length + 10), because: "a frame shorter than its declared length");
        await Expect(StatusCode.InvalidArgument, get, [.. WireMessages.Frame(validMessage), 0x42], because: "bytes after the message");
        await Expect(StatusCode.InvalidArgument, get, [.. WireMessages.Frame(validMessage), .. WireMessages.Frame(validMessage)], because: "two messages to a unary RPC");
        await Expect(StatusCode.InvalidArgument, get, WireMessages.Frame(validMessage, compressedFlag: 2), because: "a compressed flag of 2");
        await Expect(StatusCode.InvalidArgument, get, WireMessages.Frame(validMessage, compressedFlag: 1), because: "a compressed message without grpc-encoding");
        await Expect(StatusCode.InvalidArgument, get, WireMessages.Frame(validMessage, compressedFlag: 1), encoding: "gzip", because: "a 'gzip' message that is not gzip");
        await Expect(StatusCode.NotFound, get, WireMessages.Frame(Gzip(validMessage), compressedFlag: 1), encoding: "gzip", because: "a valid gzip message (control)");
        await Expect(StatusCode.InvalidArgument, get, WireMessages.Frame(Gzip([0x0A, 0x02, 0xC0, 0xAF]), compressedFlag: 1), encoding: "gzip", because: "a gzip message with an invalid string");
        await Expect(StatusCode.ResourceExhausted, get, WireMessages.Frame(Gzip(new byte[2 * 1024 * 1024]), compressedFlag: 1), encoding: "gzip", because: "a gzip message that inflates past the size limit");
        await Expect(StatusCode.ResourceExhausted, get, WireMessages.Frame([], declaredLength: 0x7FFFFFFF), because: "a declared length of 2 GiB");
        await Expect(StatusCode.ResourceExhausted, get, WireMessages.Frame([], declaredLength: 0xFFFFFFFF), because: "a declared length of 4 GiB");
        await Expect(StatusCode.InvalidArgument, get, WireMessages.Frame([0x0A, 0x05, 0x41]), because: "a string longer than the message");
        await Expect(StatusCode.InvalidArgument, get, WireMessages.Frame([0x00]), because: "field number zero");
        await Expect(StatusCode.InvalidArgument, get, WireMessages.Frame([0x0A, 0x02, 0xC0, 0xAF]), because: "a string that is not UTF-8");
        await Expect(StatusCode.InvalidArgument, get, WireMessages.Frame([.. Enumerable.Repeat((byte)0x9B, 200).SelectMany(b => new[] { b, (byte)0x06 }), .. Enumerable.Repeat((byte)0x9C, 200).SelectMany(b => new[] { b, (byte)0x06 })]),
            because: "unknown groups nested 200 deep");

        // The typed client sends the same things as a real caller would meet them.
        var oversize = Sample.Complaint("frame-oversize");
        oversize.Description = new string('x', 2 * 1024 * 1024);
        var e = await Assert.ThrowsAsync<RpcException>(() => host.Complaints.SubmitComplaintAsync(oversize).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Equal("MESSAGE_TOO_LARGE", Sample.ErrorInfo(e).Reason);
    }

    [Fact]
    public async Task Limits_on_lengths_pages_filters_and_timestamps_are_invalid_argument_naming_the_field()
    {
        async Task ExpectInvalid(string field, Func<Task> call)
        {
            var e = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
            Assert.Contains(field, Sample.BadFields(e));
        }

        var longText = Sample.Complaint("limit-desc");
        longText.Description = new string('长', 4001);
        await ExpectInvalid("description", () => host.Complaints.SubmitComplaintAsync(longText).ResponseAsync);
        // Just under the 1 MiB message limit: read whole (past HTTP/2 flow-control windows), then refused by length.
        longText.Description = new string('x', 1_040_000);
        await ExpectInvalid("description", () => host.Complaints.SubmitComplaintAsync(longText).ResponseAsync);
        await ExpectInvalid("page_size", () => host.Complaints.ListComplaintsAsync(new ListComplaintsRequest { PageSize = 201 }).ResponseAsync);
        var manyStatuses = new ListComplaintsRequest();
        manyStatuses.Statuses.AddRange(Enumerable.Repeat(CaseStatus.Received, 100_000));
        await ExpectInvalid("statuses", () => host.Complaints.ListComplaintsAsync(manyStatuses).ResponseAsync);
        await ExpectInvalid("received_from", () => host.Complaints.ListComplaintsAsync(new ListComplaintsRequest { ReceivedFrom = new Timestamp { Seconds = long.MaxValue } }).ResponseAsync);
        var future = Sample.Complaint("limit-time");
        future.ReceivedTime = new Timestamp { Seconds = 253402300799, Nanos = 999_999_999 };
        await ExpectInvalid("received_time", () => host.Complaints.SubmitComplaintAsync(future).ResponseAsync);
        var badNanos = Sample.Complaint("limit-nanos");
        badNanos.ReceivedTime = new Timestamp { Seconds = 1, Nanos = -1 };
        await ExpectInvalid("received_time", () => host.Complaints.SubmitComplaintAsync(badNanos).ResponseAsync);
        var sla = new SlaService.SlaServiceClient(host.Channel);
        foreach (var seconds in new[] { 253402300799L, -62135596800L, long.MinValue })
        {
            var preview = new PreviewDeadlinesRequest
            {
                Channel = Channel.Phone95598, RequestKind = RequestKind.Complaint, Level = Level.Normal, CustomerClass = CustomerClass.Residential,
                ReceivedTime = new Timestamp { Seconds = seconds },
            };
            await ExpectInvalid("received_time", () => sla.PreviewDeadlinesAsync(preview).ResponseAsync);
        }
    }

    private async Task<(StatusCode Status, string Message)> PostRawAsync(string path, byte[] body, string? encoding)
    {
        using var http = new HttpClient(new SocketsHttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{host.GrpcPort}{path}")
        {
            // h2c with prior knowledge, as gRPC clients speak it.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", host.DeskToken);
        if (encoding is not null)
            request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);
        using var response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        // Trailers-only answers carry the status in the headers; others in the trailers.
        var headers = response.Headers.Contains("grpc-status") ? response.Headers : response.TrailingHeaders;
        Assert.True(headers.Contains("grpc-status"), $"no grpc-status: HTTP {(int)response.StatusCode}, headers {response.Headers}, trailers {response.TrailingHeaders}");
        var status = (StatusCode)int.Parse(headers.GetValues("grpc-status").Single(), CultureInfo.InvariantCulture);
        var message = headers.TryGetValues("grpc-message", out var m) ? Uri.UnescapeDataString(m.Single()) : "";
        return (status, message);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
            gzip.Write(data);
        return buffer.ToArray();
    }

    private static void Set(SubmitComplaintRequest r, string field, string value)
    {
        switch (field)
        {
            case "request_id": r.RequestId = value; break;
            case "skip_level_reason": r.SkipLevelReason = value; break;
            case "description": r.Description = value; break;
            case "customer.account_number": r.Customer.AccountNumber = value; break;
            case "customer.name": r.Customer.Name = value; break;
            case "customer.phone": r.Customer.Phone = value; break;
            case "customer.address": r.Customer.Address = value; break;
            case "location.supply_unit": r.Location.SupplyUnit = value; break;
            case "location.substation": r.Location.Substation = value; break;
            case "location.feeder": r.Location.Feeder = value; break;
            case "location.transformer_area": r.Location.TransformerArea = value; break;
            default: throw new ArgumentOutOfRangeException(nameof(field), field, null);
        }
    }

    private static string Get(Complaint c, string field) => field switch
    {
        "request_id" => c.RequestId,
        "skip_level_reason" => c.SkipLevelReason,
        "description" => c.Description,
        "customer.account_number" => c.Customer.AccountNumber,
        "customer.name" => c.Customer.Name,
        "customer.phone" => c.Customer.Phone,
        "customer.address" => c.Customer.Address,
        "location.supply_unit" => c.Location.SupplyUnit,
        "location.substation" => c.Location.Substation,
        "location.feeder" => c.Location.Feeder,
        "location.transformer_area" => c.Location.TransformerArea,
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };

    /// <summary>The row of case <paramref name="id"/> holds every text of <paramref name="sent"/> exactly (the phone in
    /// its canonical digits).</summary>
    private async Task AssertStoredAsSentAsync(SubmitComplaintRequest sent, string id)
    {
        await using var connection = await host.Database.OpenConnectionAsync();
        var row = await connection.QuerySingleAsync<(string RequestId, string SkipLevelReason, string Description, string AccountNumber, string Name, string Phone,
            string Address, string SupplyUnit, string Substation, string Feeder, string TransformerArea)>(
            """
            SELECT request_id, skip_level_reason, description, customer_account_number, customer_name, customer_phone,
                   customer_address, supply_unit, substation, feeder, transformer_area
            FROM complaints WHERE id = @id
            """, new { id = Guid.Parse(id) });
        var location = sent.Location ?? new GridLocation();
        Assert.Equal(
            (sent.RequestId, sent.SkipLevelReason, sent.Description, sent.Customer.AccountNumber, sent.Customer.Name,
                Domain.Intake.ComplaintIntake.NormalizePhone(sent.Customer.Phone), sent.Customer.Address,
                location.SupplyUnit, location.Substation, location.Feeder, location.TransformerArea),
            row);
    }

    private async Task<long> CountCasesAsync(string where = "true")
    {
        await using var connection = await host.Database.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM complaints WHERE {where}");
    }

    private static string Shorten(string text) => text.Length <= 1500 ? text : text[..1500] + "…";
}
