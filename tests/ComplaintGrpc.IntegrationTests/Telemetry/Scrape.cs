using System.Globalization;

namespace ComplaintGrpc.IntegrationTests.Telemetry;

/// <summary>Reads a Prometheus text exposition: the sum of a metric's samples, optionally only those with a label.</summary>
public static class Scrape
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static Task<string> GetAsync(int port) => Http.GetStringAsync($"http://127.0.0.1:{port}/metrics");

    public static double Sum(string exposition, string metric, string? label = null) =>
        exposition.Split('\n')
            .Where(line => (line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
                && (label is null || line.Contains(label, StringComparison.Ordinal)))
            .Sum(line => double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture));

    public static bool Has(string exposition, string metric) =>
        exposition.Split('\n').Any(line => line.StartsWith(metric, StringComparison.Ordinal) && !line.StartsWith('#'));
}
