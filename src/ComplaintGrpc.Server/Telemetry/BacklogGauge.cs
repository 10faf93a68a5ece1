using System.Diagnostics.Metrics;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Storage.Telemetry;
using Dapper;
using Google.Protobuf;
using Npgsql;

namespace ComplaintGrpc.Server.Telemetry;

/// <summary>
/// <c>complaints.backlog.open{unit}</c>: open cases of each unit (its own cases) as the latest stored backlog report
/// counted them at its cut-off. Read from that one report row at each collection (a primary-key read and a small
/// protobuf), not counted live, so a scrape costs the same whatever the backlog. A database that does not answer
/// leaves the gauge out of that scrape (logged) rather than failing the scrape.
/// </summary>
public sealed partial class BacklogGauge(NpgsqlDataSource db, IMeterFactory meters, ILogger<BacklogGauge> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        meters.Create($"{ComplaintTelemetry.Name}.Server").CreateObservableGauge("complaints.backlog.open", Read, "{case}",
            "Open cases by unit (own cases) at the cut-off of the latest backlog report");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private IEnumerable<Measurement<long>> Read()
    {
        BacklogReport? report;
        try
        {
            using var connection = db.OpenConnection();
            var row = connection.QuerySingleOrDefault<ReportRow>(
                "SELECT figures_proto, figures::text AS figures FROM reports ORDER BY report_date DESC LIMIT 1");
            report = row?.FiguresProto is { } binary ? BacklogReport.Parser.ParseFrom(binary)
                : row?.Figures is { } json ? JsonParser.Default.Parse<BacklogReport>(json)
                : null;
        }
        catch (NpgsqlException e)
        {
            BacklogNotRead(logger, e);
            return [];
        }
        return report is null ? []
            : [.. report.Units.Select(u => new Measurement<long>(u.Own?.Open ?? 0, ComplaintTelemetry.Tag("unit", u.UnitId)))];
    }

    private sealed record ReportRow(byte[]? FiguresProto, string? Figures);

    [LoggerMessage(EventId = 1900, Level = LogLevel.Warning, Message = "The backlog gauge could not read the latest report; left out of this collection")]
    private static partial void BacklogNotRead(ILogger logger, Exception exception);
}
