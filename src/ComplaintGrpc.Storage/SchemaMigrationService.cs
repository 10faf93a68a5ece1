using DbUp;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ComplaintGrpc.Storage;

/// <summary>
/// Applies the versioned scripts under Migrations/ (DbUp journal table <c>public.schemaversions</c>), each in its own
/// transaction. Several processes may start at once (server and worker, or a cluster of workers): a PostgreSQL
/// advisory lock makes them take turns, so each script runs exactly once. A failed migration stops the process.
/// </summary>
public sealed partial class SchemaMigrationService(NpgsqlDataSource dataSource, ILogger<SchemaMigrationService> logger) : IHostedService
{
    private const long MigrationLockKey = 0x436f6d706c61696e; // "Complain"

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var applied = await MigrateAsync(dataSource.ConnectionString, cancellationToken);
        LogMigrated(logger, applied.Count, applied);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Brings the database at <paramref name="connectionString"/> up to date; returns the scripts applied now.</summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var lockConnection = new NpgsqlConnection(connectionString);
        await lockConnection.OpenAsync(cancellationToken);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({MigrationLockKey})", lockConnection) { CommandTimeout = 0 })
            await take.ExecuteNonQueryAsync(cancellationToken);
        try
        {
            var result = DeployChanges.To.PostgresqlDatabase(connectionString)
                .WithScriptsEmbeddedInAssembly(typeof(SchemaMigrationService).Assembly)
                .WithTransactionPerScript()
                .LogToNowhere()
                .Build()
                .PerformUpgrade();
            if (!result.Successful)
                throw new InvalidOperationException($"Schema migration failed at {result.ErrorScript?.Name}: {result.Error.Message}", result.Error);
            return result.Scripts.Select(s => s.Name).ToList();
        }
        finally
        {
            // Unlock explicitly: a pooled connection keeps its session (and a session lock) after it is disposed.
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({MigrationLockKey})", lockConnection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Schema is up to date; {Count} migration(s) applied now: {Scripts}")]
    private static partial void LogMigrated(ILogger logger, int count, IReadOnlyList<string> scripts);
}
