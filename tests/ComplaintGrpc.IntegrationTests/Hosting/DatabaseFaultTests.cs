using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using Dapper;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace ComplaintGrpc.IntegrationTests.Hosting;

/// <summary>
/// A database that does not answer in time is DEADLINE_EXCEEDED, and one with no connection to spare is UNAVAILABLE,
/// both with RetryInfo and a stable ErrorInfo reason and logged as warnings, never INTERNAL. Each fault is real: a
/// statement blocked by a lock the test holds until Npgsql's command timeout cancels it, and a connection pool of one
/// that is already taken. These also pin the shapes in which Npgsql reports the two (see ErrorMappingInterceptor).
/// </summary>
public sealed class DatabaseCommandTimeoutTests(DatabaseCommandTimeoutTests.SlowDatabaseHost host) : IClassFixture<DatabaseCommandTimeoutTests.SlowDatabaseHost>
{
    /// <summary>A server whose database commands time out after 2 seconds (the operator's connection-string setting).</summary>
    public sealed class SlowDatabaseHost : ServerHost
    {
        protected override void Configure(WebApplicationBuilder builder) =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Complaints"] = new NpgsqlConnectionStringBuilder(ConnectionString) { CommandTimeout = 2 }.ConnectionString,
            });
    }

    [Fact]
    public async Task A_statement_that_runs_past_the_command_timeout_is_deadline_exceeded_with_retry_info()
    {
        var submitted = await host.Complaints.SubmitComplaintAsync(Sample.Complaint());

        // Every read of a case waits behind this lock until the server's command timeout cancels it.
        await using (var connection = await host.Database.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await connection.ExecuteAsync("LOCK TABLE complaints IN ACCESS EXCLUSIVE MODE", transaction: transaction);

            var e = await Assert.ThrowsAsync<RpcException>(() =>
                host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = submitted.Id }).ResponseAsync);

            Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
            var info = Sample.ErrorInfo(e);
            Assert.Equal("DATABASE_TIMEOUT", info.Reason);
            Assert.Equal("complaints.v1", info.Domain);
            Assert.Equal(TimeSpan.FromSeconds(1), Sample.Details(e).GetDetail<Google.Rpc.RetryInfo>()?.RetryDelay.ToTimeSpan());
            await transaction.RollbackAsync();
        }

        var logged = host.Logs.Lines.Where(l => l.Contains("[1003]", StringComparison.Ordinal)).ToList();
        Assert.Single(logged);
        Assert.StartsWith("Warning ", logged[0], StringComparison.Ordinal);
        Assert.Contains("GetComplaint", logged[0], StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains("[1000]", StringComparison.Ordinal));

        // The lock is gone: the same call answers again, on a connection the pool got back whole.
        var again = await host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = submitted.Id });
        Assert.Equal(submitted.Id, again.Id);
    }
}

public sealed class DatabasePoolExhaustedTests(DatabasePoolExhaustedTests.SmallPoolHost host) : IClassFixture<DatabasePoolExhaustedTests.SmallPoolHost>
{
    /// <summary>A server whose connection pool holds two connections and waits 1 second for one. The notification feed's
    /// LISTEN connection (one per process, held while the server runs) takes the first.</summary>
    public sealed class SmallPoolHost : ServerHost
    {
        protected override void Configure(WebApplicationBuilder builder) =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Complaints"] = new NpgsqlConnectionStringBuilder(ConnectionString) { MaxPoolSize = 2, Timeout = 1 }.ConnectionString,
            });
    }

    [Fact]
    public async Task A_call_that_finds_the_connection_pool_exhausted_is_unavailable_with_retry_info()
    {
        await Poll.UntilAsync(() => CountAsync("query = 'LISTEN notification_delivered'"), n => n == 1,
            what: "the notification feed to hold one of the pool's two connections");

        // A slow call (blocked by the test's lock) holds the other connection.
        await using var connection = await host.Database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("LOCK TABLE complaints IN ACCESS EXCLUSIVE MODE", transaction: transaction);
        var slow = host.Complaints.ListComplaintsAsync(new ListComplaintsRequest()).ResponseAsync;
        await Poll.UntilAsync(() => CountAsync("wait_event_type = 'Lock'"), n => n == 1, what: "the slow call to wait for the lock");

        var e = await Assert.ThrowsAsync<RpcException>(() =>
            host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = Guid.NewGuid().ToString() }).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        var info = Sample.ErrorInfo(e);
        Assert.Equal("DATABASE_UNAVAILABLE", info.Reason);
        Assert.Equal("complaints.v1", info.Domain);
        Assert.Equal(TimeSpan.FromSeconds(1), Sample.Details(e).GetDetail<Google.Rpc.RetryInfo>()?.RetryDelay.ToTimeSpan());

        var logged = host.Logs.Lines.Where(l => l.Contains("[1004]", StringComparison.Ordinal)).ToList();
        Assert.Single(logged);
        Assert.StartsWith("Warning ", logged[0], StringComparison.Ordinal);
        Assert.Contains("connection pool has been exhausted", logged[0], StringComparison.Ordinal);
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains("[1000]", StringComparison.Ordinal));

        // Once the lock goes, the slow call completes: the overload refused the newcomer and harmed no one already in.
        await transaction.RollbackAsync();
        Assert.Empty((await slow).Complaints);
    }

    /// <summary>Sessions on this test's database (seen from the test's own pool) that match <paramref name="condition"/>.</summary>
    private async Task<long> CountAsync(string condition)
    {
        await using var connection = await host.Database.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<long>(
            $"SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND {condition}");
    }
}

/// <summary>An outage is one warning and one recovery line in the log, however many calls it fails (issue 12, item 1).</summary>
public sealed class DatabaseOutageEpisodeTests(DatabasePoolExhaustedTests.SmallPoolHost host) : IClassFixture<DatabasePoolExhaustedTests.SmallPoolHost>
{
    [Fact]
    public async Task Calls_failed_by_one_outage_are_logged_once_and_the_recovery_once_with_their_number()
    {
        await using (var connection = await host.Database.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await connection.ExecuteAsync("LOCK TABLE complaints IN ACCESS EXCLUSIVE MODE", transaction: transaction);
            // The notification feed holds one of the server's two connections; this slow call holds the other.
            var slow = host.Complaints.ListComplaintsAsync(new ListComplaintsRequest()).ResponseAsync;
            await Poll.UntilAsync(async () =>
            {
                await using var c = await host.Database.OpenConnectionAsync();
                return await c.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
            }, n => n == 1, what: "the slow call to wait for the lock");

            for (var i = 0; i < 3; i++)
            {
                var e = await Assert.ThrowsAsync<RpcException>(() =>
                    host.Complaints.GetComplaintAsync(new GetComplaintRequest { Id = Guid.NewGuid().ToString() }).ResponseAsync);
                Assert.Equal(StatusCode.Unavailable, e.StatusCode);
            }
            await transaction.RollbackAsync();
            await slow;
        }
        await host.Complaints.ListComplaintsAsync(new ListComplaintsRequest());

        var warning = Assert.Single(host.Logs.Lines, l => l.Contains("[1004]", StringComparison.Ordinal));
        Assert.Contains("connection pool has been exhausted", warning, StringComparison.Ordinal);
        var recovered = Assert.Single(host.Logs.Lines, l => l.Contains("[1010]", StringComparison.Ordinal));
        Assert.Contains("after 3 failed calls over", recovered, StringComparison.Ordinal);
    }
}
