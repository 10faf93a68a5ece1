using System.Text;
using System.Text.Json;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Evaluation;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Server.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Analysis;

/// <summary>
/// GetHotspots and DownloadHotspots over real gRPC and PostgreSQL, on a hand-made data set whose every figure is worked
/// out below. The period is the 7 days before <see cref="_to"/>; the previous period the 7 days before that.
/// </summary>
public sealed class HotspotTests(ServerHost host) : IClassFixture<ServerHost>, IAsyncLifetime
{
    private readonly DateTimeOffset _to = new DateTimeOffset(DateTimeOffset.UtcNow.Year, DateTimeOffset.UtcNow.Month, DateTimeOffset.UtcNow.Day,
        DateTimeOffset.UtcNow.Hour, 0, 0, TimeSpan.Zero).AddHours(-1);
    private DateTimeOffset From => _to.AddDays(-7);
    private readonly string _tag = Guid.NewGuid().ToString("N")[..6];
    private Sample.Org _org = null!;
    private string _east = "";
    private readonly List<Complaint> _mapped = [];
    private Complaint _confidential = null!;

    // Hotspot names, unique per test so tests sharing the database never meet.
    private string FeederA => $"F-A-{_tag}";
    private string FeederB => $"F-B-{_tag}";
    private string FeederC => $"F-C-{_tag}";
    private string FeederD => $"F-D-{_tag}";
    private string Substation1 => $"S-1-{_tag}";
    private string Substation2 => $"S-2-{_tag}";

    /// <summary>
    /// Units: the sample chain (its station's customer count unknown) and a second station "east" under the county with
    /// 20,000 customers. Period cases:
    /// east F-A / S-1 / T-1: 5 outage cases at map cell 31.95,118.78, customers account X twice, account Y, phone-only P
    ///   twice (so 2 repeat customers); one closed substantiated, one closed unsubstantiated, one confidential.
    /// station F-B / S-1 / T-2: 2 outage cases at cell 31.96,118.78 (one exactly on its south-west corner).
    /// east F-C / S-2 / T-3: 2 staff-conduct (service) cases without coordinates.
    /// Previous period: east F-A 1 case (no coordinates); station F-B 3 cases at cell 31.96,118.78; east F-D 2 cases.
    /// </summary>
    public async Task InitializeAsync()
    {
        _org = await Sample.OrganizationAsync(host.Organization);
        _east = Sample.Id("east");
        await host.Organization.CreateUnitAsync(new CreateUnitRequest { Unit = new Unit { UnitId = _east, Name = "东山东供电所", Level = UnitLevel.Station, ParentUnitId = _org.County, CustomerCount = 20_000 } });
        var eastHandler = Sample.Id("h");
        await host.Organization.CreateHandlerAsync(new CreateHandlerRequest { Handler = new Handler { HandlerId = eastHandler, UnitId = _east, Name = "陈静" } });
        var eastOrg = _org with { Station = _east, Handler = eastHandler };

        var at = From.AddHours(1);
        DateTimeOffset Next() => at = at.AddMinutes(7);
        var previous = From.AddDays(-3);

        // east F-A: X, X, Y, P, P.
        _mapped.Add(await Closed(eastOrg, Case(FeederA, Substation1, "T-1", Next(), account: "X1001", lat: 31.951, lon: 118.781), substantiated: true));
        _mapped.Add(await Closed(eastOrg, Case(FeederA, Substation1, "T-1", Next(), account: "X1001", lat: 31.955, lon: 118.789), substantiated: false));
        _mapped.Add(await Dispatched(_east, Case(FeederA, Substation1, "T-1", Next(), account: "Y2002", lat: 31.959, lon: 118.782)));
        _mapped.Add(await Dispatched(_east, Case(FeederA, Substation1, "T-1", Next(), account: "", phone: "13912345678", lat: 31.9599, lon: 118.7801)));
        _confidential = await Dispatched(_east, Case(FeederA, Substation1, "T-1", Next(), account: "", phone: "139 1234 5678", lat: 31.952, lon: 118.783, confidential: true));
        // station F-B.
        _mapped.Add(await Dispatched(_org.Station, Case(FeederB, Substation1, "T-2", Next(), account: "B3003", lat: 31.96, lon: 118.78)));
        _mapped.Add(await Dispatched(_org.Station, Case(FeederB, Substation1, "T-2", Next(), account: "B3004", lat: 31.965, lon: 118.785)));
        // east F-C: service complaints.
        for (var i = 0; i < 2; i++)
        {
            var r = Case(FeederC, Substation2, "T-3", Next(), account: $"C400{i}");
            r.Category = Category.Service;
            r.SubCategory = SubCategory.StaffConduct;
            await Dispatched(_east, r);
        }
        // Previous period.
        await Dispatched(_east, Case(FeederA, Substation1, "T-1", previous, account: "X1001"));
        for (var i = 0; i < 3; i++)
            await Dispatched(_org.Station, Case(FeederB, Substation1, "T-2", previous.AddMinutes(i), account: $"B500{i}", lat: 31.961, lon: 118.781));
        for (var i = 0; i < 2; i++)
            await Dispatched(_east, Case(FeederD, Substation2, "T-4", previous.AddMinutes(i), account: $"D600{i}"));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private SubmitComplaintRequest Case(string feeder, string substation, string area, DateTimeOffset receivedAt, string account, string phone = "13800138000",
        double? lat = null, double? lon = null, bool confidential = false)
    {
        var r = Sample.Complaint();
        r.Location = new GridLocation { SupplyUnit = "江宁供电公司", Substation = substation, Feeder = feeder, TransformerArea = $"{area}-{_tag}" };
        r.Customer.AccountNumber = account;
        r.Customer.Phone = phone;
        r.Confidential = confidential;
        r.ReceivedTime = Timestamp.FromDateTimeOffset(receivedAt);
        if (lat is { } la && lon is { } lo)
            r.Coordinates = new GeoPoint { Latitude = la, Longitude = lo };
        return r;
    }

    private async Task<Complaint> Dispatched(string unit, SubmitComplaintRequest r)
    {
        var c = await host.Complaints.SubmitComplaintAsync(r);
        return await host.Complaints.DispatchToUnitAsync(new DispatchToUnitRequest { Id = c.Id, Etag = c.Etag, UnitId = unit });
    }

    private Task<Complaint> Closed(Sample.Org org, SubmitComplaintRequest r, bool substantiated) =>
        Lifecycle.ClosedAsync(host.Complaints, host.Complaints, org, r, substantiated);

    private HotspotFilter Filter(params Category[] categories) => new()
    {
        StartTime = Timestamp.FromDateTimeOffset(From),
        EndTime = Timestamp.FromDateTimeOffset(_to),
        UnitId = _org.County,
        Categories = { categories },
    };

    private static AnalysisService.AnalysisServiceClient Analysis(ChannelBase channel) => new(channel);

    private static async Task<List<Hotspot>> AllPagesAsync(AnalysisService.AnalysisServiceClient client, GetHotspotsRequest request)
    {
        var all = new List<Hotspot>();
        do
        {
            var page = await client.GetHotspotsAsync(request);
            all.AddRange(page.Hotspots);
            request = request.Clone();
            request.PageToken = page.NextPageToken;
        } while (request.PageToken.Length > 0);
        return all;
    }

    // (rank, key, unit, count, previous, change, per-10k or null, repeat customers, with finding, substantiated)
    private static object Row(Hotspot h) =>
        (h.Rank, h.Key, h.UnitId, h.Count, h.PreviousCount, h.Change, h.HasPer10KCustomers ? h.Per10KCustomers : (double?)null, h.RepeatCustomers,
            h.WithFinding, h.Substantiated);

    [Fact]
    public async Task Feeders_are_ranked_by_count_with_ties_by_key_and_carry_every_figure()
    {
        var rows = await AllPagesAsync(Analysis(host.Channel), new GetHotspotsRequest { Filter = Filter(), Grain = HotspotGrain.Feeder, PageSize = 1 });
        Assert.Equal(new object[]
        {
            (1, FeederA, _east, 5, 1, 4, (double?)2.5, 2, 2, 1),
            (2, FeederB, _org.Station, 2, 3, -1, (double?)null, 0, 0, 0),
            (2, FeederC, _east, 2, 0, 2, (double?)1.0, 0, 0, 0),
        }, rows.Select(Row));
        Assert.Equal(0.5, rows[0].SubstantiatedShare);
        Assert.Equal(0, rows[1].SubstantiatedShare);
    }

    [Fact]
    public async Task Substations_of_one_name_in_two_units_are_two_hotspots()
    {
        var response = await Analysis(host.Channel).GetHotspotsAsync(new GetHotspotsRequest { Filter = Filter(), Grain = HotspotGrain.Substation });
        Assert.Equal(new object[]
        {
            (1, Substation1, _east, 5, 1, 4, (double?)2.5, 2, 2, 1),
            (2, Substation1, _org.Station, 2, 3, -1, (double?)null, 0, 0, 0),
            (2, Substation2, _east, 2, 2, 0, (double?)1.0, 0, 0, 0),
        }, response.Hotspots.Select(Row));
        Assert.Equal(From.AddDays(-7), response.PreviousStartTime.ToDateTimeOffset());
        Assert.Equal(From, response.PreviousEndTime.ToDateTimeOffset());
    }

    [Fact]
    public async Task Transformer_areas_filtered_by_category_leave_the_others_out()
    {
        var response = await Analysis(host.Channel).GetHotspotsAsync(new GetHotspotsRequest { Filter = Filter(Category.Outage), Grain = HotspotGrain.TransformerArea });
        Assert.Equal(new object[]
        {
            (1, $"T-1-{_tag}", _east, 5, 1, 4, (double?)2.5, 2, 2, 1),
            (2, $"T-2-{_tag}", _org.Station, 2, 3, -1, (double?)null, 0, 0, 0),
        }, response.Hotspots.Select(Row));
    }

    [Fact]
    public async Task Map_cells_count_cases_by_the_cell_their_coordinates_fall_in()
    {
        var response = await Analysis(host.Channel).GetHotspotsAsync(new GetHotspotsRequest { Filter = Filter(), Grain = HotspotGrain.MapCell, CellSizeDegrees = 0.01 });
        Assert.Equal(new object[]
        {
            (1, "31.95,118.78", "", 5, 0, 5, (double?)null, 2, 2, 1),
            (2, "31.96,118.78", "", 2, 3, -1, (double?)null, 0, 0, 0),
        }, response.Hotspots.Select(Row));
        Assert.Equal(new GeoCell { South = 31.95, West = 118.78, North = 31.96, East = 118.79 }, response.Hotspots[0].Cell);
        Assert.Equal(new GeoCell { South = 31.96, West = 118.78, North = 31.97, East = 118.79 }, response.Hotspots[1].Cell);
    }

    [Fact]
    public async Task A_station_supervisor_sees_only_the_hotspots_of_their_subtree()
    {
        var station = Analysis(host.ChannelFor(host.Token("sup-station", [Roles.Supervisor], _org.Station)));
        var filter = Filter();
        filter.UnitId = "";
        var rows = await station.GetHotspotsAsync(new GetHotspotsRequest { Filter = filter, Grain = HotspotGrain.Feeder });
        Assert.Equal(new object[] { (1, FeederB, _org.Station, 2, 3, -1, (double?)null, 0, 0, 0) }, rows.Hotspots.Select(Row));

        var other = await Sample.OrganizationAsync(host.Organization);
        var foreign = Analysis(host.ChannelFor(host.Token("sup-county-other", [Roles.Supervisor], other.County)));
        var none = await foreign.GetHotspotsAsync(new GetHotspotsRequest { Filter = Filter(), Grain = HotspotGrain.Feeder });
        Assert.Empty(none.Hotspots);
    }

    [Fact]
    public async Task Bad_requests_name_each_bad_field()
    {
        var filter = new HotspotFilter { StartTime = Timestamp.FromDateTimeOffset(_to), EndTime = Timestamp.FromDateTimeOffset(From), Categories = { (Category)99 } };
        var e = await Assert.ThrowsAsync<RpcException>(() => Analysis(host.Channel).GetHotspotsAsync(
            new GetHotspotsRequest { Filter = filter, CellSizeDegrees = 5, PageSize = 500 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Equal(["grain", "cell_size_degrees", "page_size", "filter.end_time", "filter.categories"], Sample.BadFields(e));

        var unknown = Filter();
        unknown.UnitId = "no-such-unit";
        var notFound = await Assert.ThrowsAsync<RpcException>(() => Analysis(host.Channel).GetHotspotsAsync(
            new GetHotspotsRequest { Filter = unknown, Grain = HotspotGrain.Feeder }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("UNIT_NOT_FOUND", Sample.ErrorInfo(notFound).Reason);
    }

    [Fact]
    public async Task Coordinates_are_validated_stored_and_returned()
    {
        var stored = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = _mapped[0].Id });
        Assert.Equal(new GeoPoint { Latitude = 31.951, Longitude = 118.781 }, stored.Coordinates);

        var bad = Sample.Complaint();
        bad.Coordinates = new GeoPoint { Latitude = double.NaN, Longitude = 181 };
        var e = await Assert.ThrowsAsync<RpcException>(() => host.Complaints.SubmitComplaintAsync(bad).ResponseAsync);
        Assert.Equal(["coordinates.latitude", "coordinates.longitude"], Sample.BadFields(e));

        var half = Sample.Complaint();
        half.Coordinates = new GeoPoint { Latitude = 31.9 };
        e = await Assert.ThrowsAsync<RpcException>(() => host.Complaints.SubmitComplaintAsync(half).ResponseAsync);
        Assert.Equal(["coordinates.longitude"], Sample.BadFields(e));
    }

    private async Task<(string FileName, string ContentType, JsonDocument Json)> DownloadAsync(DownloadHotspotsRequest request)
    {
        using var call = Analysis(host.Channel).DownloadHotspots(request);
        var bytes = new MemoryStream();
        string fileName = "", contentType = "";
        var chunks = 0;
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            var chunk = call.ResponseStream.Current;
            if (chunks++ == 0)
                (fileName, contentType) = (chunk.FileName, chunk.ContentType);
            else
                Assert.Equal("", chunk.FileName);
            chunk.Data.WriteTo(bytes);
        }
        var json = JsonDocument.Parse(bytes.ToArray());
        GeoJson.AssertValid(json.RootElement);
        return (fileName, contentType, json);
    }

    [Fact]
    public async Task Points_are_one_feature_per_mapped_case_without_confidential_ones()
    {
        var (fileName, contentType, json) = await DownloadAsync(new DownloadHotspotsRequest { Filter = Filter(), Shape = HotspotMapShape.Points });
        Assert.StartsWith("hotspots-points-", fileName);
        Assert.Equal("application/geo+json", contentType);
        var features = json.RootElement.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(_mapped.Select(c => (c.CaseNumber, c.Coordinates.Longitude, c.Coordinates.Latitude, c.UnitId, c.Location.Feeder)),
            features.Select(f =>
            {
                var p = f.GetProperty("properties");
                var xy = f.GetProperty("geometry").GetProperty("coordinates");
                return (p.GetProperty("case_number").GetString()!, xy[0].GetDouble(), xy[1].GetDouble(), p.GetProperty("unit_id").GetString()!,
                    p.GetProperty("feeder").GetString()!);
            }));
        Assert.DoesNotContain(features, f => f.GetProperty("properties").GetProperty("case_number").GetString() == _confidential.CaseNumber);
        var first = features[0].GetProperty("properties");
        Assert.Equal("Outage", first.GetProperty("category").GetString());
        Assert.Equal(_mapped[0].ReceivedTime.ToDateTimeOffset(), DateTimeOffset.Parse(first.GetProperty("received_time").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Cells_are_closed_counter_clockwise_polygons_with_their_figures()
    {
        var (_, _, json) = await DownloadAsync(new DownloadHotspotsRequest { Filter = Filter(), Shape = HotspotMapShape.Cells });
        var features = json.RootElement.GetProperty("features").EnumerateArray().ToList();
        Assert.Equal(2, features.Count);
        Assert.Equal("""[[[118.78,31.95],[118.79,31.95],[118.79,31.96],[118.78,31.96],[118.78,31.95]]]""",
            features[0].GetProperty("geometry").GetProperty("coordinates").GetRawText());
        Assert.Equal("""{"key":"31.95,118.78","rank":1,"count":5,"repeat_customers":2,"substantiated_share":0.5,"previous_count":0,"change":5}""",
            features[0].GetProperty("properties").GetRawText());
        Assert.Equal("""{"key":"31.96,118.78","rank":2,"count":2,"repeat_customers":0,"substantiated_share":0,"previous_count":3,"change":-1}""",
            features[1].GetProperty("properties").GetRawText());
    }
}

/// <summary>The RFC 7946 rules a map client relies on, checked on a parsed document.</summary>
internal static class GeoJson
{
    public static void AssertValid(JsonElement root)
    {
        Assert.Equal("FeatureCollection", root.GetProperty("type").GetString());
        foreach (var feature in root.GetProperty("features").EnumerateArray())
        {
            Assert.Equal("Feature", feature.GetProperty("type").GetString());
            Assert.Equal(JsonValueKind.Object, feature.GetProperty("properties").ValueKind);
            var geometry = feature.GetProperty("geometry");
            var coordinates = geometry.GetProperty("coordinates");
            switch (geometry.GetProperty("type").GetString())
            {
                case "Point":
                    AssertPosition(coordinates);
                    break;
                case "Polygon":
                    foreach (var ring in coordinates.EnumerateArray())
                    {
                        var positions = ring.EnumerateArray().ToList();
                        Assert.True(positions.Count >= 4, "a linear ring has at least four positions");
                        positions.ForEach(AssertPosition);
                        Assert.Equal(positions[0].GetRawText(), positions[^1].GetRawText());
                        // Shoelace: positive area is counter-clockwise, as RFC 7946 asks of exterior rings.
                        var area = 0.0;
                        for (var i = 0; i + 1 < positions.Count; i++)
                            area += positions[i][0].GetDouble() * positions[i + 1][1].GetDouble() - positions[i + 1][0].GetDouble() * positions[i][1].GetDouble();
                        Assert.True(area > 0, "exterior ring is counter-clockwise");
                    }
                    break;
                default:
                    Assert.Fail($"unexpected geometry {geometry.GetProperty("type").GetString()}");
                    break;
            }
        }
    }

    private static void AssertPosition(JsonElement position)
    {
        Assert.Equal(2, position.GetArrayLength());
        Assert.InRange(position[0].GetDouble(), -180, 180);
        Assert.InRange(position[1].GetDouble(), -90, 90);
    }
}
