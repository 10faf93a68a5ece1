using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Storage;
using Dapper;

namespace ComplaintGrpc.IntegrationTests.Hosting;

public sealed class DataSourceTests
{
    [Fact]
    public async Task Statements_run_more_than_once_are_prepared_unless_the_connection_string_says_otherwise()
    {
        var connectionString = await TestDatabase.CreateAsync();

        Assert.True(await PreparedAfterRepeatsAsync(StorageRegistration.DataSource(connectionString)) > 0);
        Assert.Equal(0, await PreparedAfterRepeatsAsync(StorageRegistration.DataSource(connectionString + ";Max Auto Prepare=0")));
    }

    private static async Task<long> PreparedAfterRepeatsAsync(Npgsql.NpgsqlDataSource db)
    {
        await using (db)
        {
            await using var connection = await db.OpenConnectionAsync();
            for (var i = 0; i < 3; i++)
                await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM complaints WHERE status = @status", new { status = "Received" });
            return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM complaints WHERE status%'");
        }
    }
}
