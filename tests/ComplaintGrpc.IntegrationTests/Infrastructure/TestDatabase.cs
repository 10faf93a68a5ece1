using ComplaintGrpc.Storage;

namespace ComplaintGrpc.IntegrationTests.Infrastructure;

/// <summary>
/// Fresh, fully migrated databases for tests. One PostgreSQL cluster serves the whole run; the schema is migrated
/// once into a template and each caller gets its own copy (CREATE DATABASE ... TEMPLATE), which takes a fraction of
/// a second. If PostgreSQL cannot start, every test that needs it fails with the reason; none is skipped.
/// </summary>
public static class TestDatabase
{
    private static readonly Lazy<Task<(PostgresServer Server, string Template)>> Cluster = new(StartAsync);

    public static async Task<string> CreateAsync()
    {
        var (server, template) = await Cluster.Value;
        return await server.CreateDatabaseAsync(template);
    }

    /// <summary>An empty database without our schema, for migration tests.</summary>
    public static async Task<string> CreateEmptyAsync()
    {
        var (server, _) = await Cluster.Value;
        return await server.CreateDatabaseAsync();
    }

    private static async Task<(PostgresServer, string)> StartAsync()
    {
        var server = await PostgresServer.StartAsync();
        var templateConnectionString = await server.CreateDatabaseAsync();
        await SchemaMigrationService.MigrateAsync(templateConnectionString, CancellationToken.None);
        Npgsql.NpgsqlConnection.ClearAllPools();
        return (server, new Npgsql.NpgsqlConnectionStringBuilder(templateConnectionString).Database!);
    }
}
