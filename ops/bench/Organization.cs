using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Bench;

public sealed record SeedUnit(string UnitId, string Name, UnitLevel Level, string? ParentUnitId, string Path, long CustomerCount);

public sealed record SeedHandler(string HandlerId, string UnitId, string Name, HandlerRole Role);

/// <summary>A province's unit tree: 13 cities, 6 counties each, 8 stations per county (624 stations). Every unit has
/// a head (role Supervisor, as escalation needs); every station also has three handlers.</summary>
public sealed class Organization
{
    private static readonly string[] Cities = ["南京", "无锡", "徐州", "常州", "苏州", "南通", "连云港", "淮安", "盐城", "扬州", "镇江", "泰州", "宿迁"];

    public List<SeedUnit> Units { get; } = [];
    public List<SeedHandler> Handlers { get; } = [];
    public List<SeedUnit> Stations { get; } = [];

    /// <summary>Relative case volume per station (some stations serve far more customers).</summary>
    public double[] StationWeights { get; private set; } = [];

    public static Organization Province(int seed)
    {
        var rng = new Random(seed);
        var org = new Organization();
        var stationCustomers = new List<long>();
        const string province = "js";
        var cityUnits = new List<(string Id, string Path, List<(string Id, string Path, List<long> Stations)> Counties)>();
        for (var c = 0; c < Cities.Length; c++)
        {
            var cityId = $"js-c{c + 1:D2}";
            var cityPath = $"/{province}/{cityId}/";
            var counties = new List<(string, string, List<long>)>();
            for (var k = 0; k < 6; k++)
            {
                var countyId = $"{cityId}-x{k + 1:D2}";
                var countyPath = $"{cityPath}{countyId}/";
                var customers = new List<long>();
                for (var s = 0; s < 8; s++)
                {
                    var stationId = $"{countyId}-s{s + 1:D2}";
                    long count = rng.Next(15_000, 90_000);
                    customers.Add(count);
                    var station = new SeedUnit(stationId, $"{Cities[c]}第{k + 1}县区 第{s + 1}供电所", UnitLevel.Station, countyId, $"{countyPath}{stationId}/", count);
                    org.Stations.Add(station);
                    stationCustomers.Add(count);
                    org.Handlers.Add(new SeedHandler($"{stationId}-head", stationId, $"所长{stationId}", HandlerRole.Supervisor));
                    for (var h = 1; h <= 3; h++)
                        org.Handlers.Add(new SeedHandler($"{stationId}-h{h}", stationId, $"处理人{h}", HandlerRole.Handler));
                }
                counties.Add((countyId, countyPath, customers));
            }
            cityUnits.Add((cityId, cityPath, counties));
        }

        var created = 0;
        org.Units.Add(new SeedUnit(province, "江苏省电力公司", UnitLevel.Province, null, $"/{province}/", stationCustomers.Sum()));
        org.Handlers.Add(new SeedHandler($"{province}-head", province, "省公司督办", HandlerRole.Supervisor));
        foreach (var (cityId, cityPath, counties) in cityUnits)
        {
            org.Units.Add(new SeedUnit(cityId, $"{Cities[created++]}供电公司", UnitLevel.City, province, cityPath, counties.Sum(k => k.Stations.Sum())));
            org.Handlers.Add(new SeedHandler($"{cityId}-head", cityId, "市公司督办", HandlerRole.Supervisor));
            foreach (var (countyId, countyPath, customers) in counties)
            {
                org.Units.Add(new SeedUnit(countyId, $"{countyId} 县供电公司", UnitLevel.County, cityId, countyPath, customers.Sum()));
                org.Handlers.Add(new SeedHandler($"{countyId}-head", countyId, "县公司督办", HandlerRole.Supervisor));
            }
        }
        org.Units.AddRange(org.Stations);
        org.StationWeights = [.. stationCustomers.Select(c => (double)c)];
        return org;
    }
}
