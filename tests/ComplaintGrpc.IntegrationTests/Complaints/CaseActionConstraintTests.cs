using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.IntegrationTests.Infrastructure;
using ComplaintGrpc.Storage;
using Npgsql;

namespace ComplaintGrpc.IntegrationTests.Complaints;

/// <summary>The database's CHECK on complaint_events.action and the contract's CaseAction name the same actions:
/// a new CaseAction fails here until a migration admits it, and a misspelt one is refused by PostgreSQL.</summary>
public sealed class CaseActionConstraintTests(ServerHost host) : IClassFixture<ServerHost>
{
    [Fact]
    public async Task Every_case_action_is_admitted_by_the_history_table_and_nothing_else_is()
    {
        var stored = await host.Complaints.SubmitComplaintAsync(Sample.Complaint());
        var id = Guid.Parse(stored.Id);

        foreach (var action in Enum.GetValues<CaseAction>().Where(a => a != CaseAction.Unspecified))
        {
            await using var connection = await host.Database.OpenConnectionAsync();
            await using var tx = await connection.BeginTransactionAsync();
            await CaseEvents.AppendAsync(connection, tx, id, DateTimeOffset.UtcNow, "test", action, "Received", "Received",
                new Dictionary<string, string>(), CancellationToken.None);
            await tx.RollbackAsync();
        }

        await using (var connection = await host.Database.OpenConnectionAsync())
        {
            await using var tx = await connection.BeginTransactionAsync();
            var refused = await Assert.ThrowsAsync<PostgresException>(() => CaseEvents.AppendAsync(connection, tx, id, DateTimeOffset.UtcNow, "test",
                (CaseAction)999, "Received", "Received", new Dictionary<string, string>(), CancellationToken.None));
            Assert.Equal(PostgresErrorCodes.CheckViolation, refused.SqlState);
            Assert.Equal("complaint_events_action_known", refused.ConstraintName);
        }
    }
}
