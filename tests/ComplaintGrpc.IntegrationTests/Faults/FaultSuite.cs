namespace ComplaintGrpc.IntegrationTests.Faults;

/// <summary>
/// The fault suite (issue 12): real server and worker processes, real scripts, faults injected from outside (SIGKILL,
/// SIGTERM, PostgreSQL stopped). Its classes run one at a time, never beside each other: each starts several processes
/// on a 2-core machine, and a fault in one must not be felt by another. Run it alone with
/// <c>dotnet test tests/ComplaintGrpc.IntegrationTests -c Release --filter Suite=Faults</c>; ops/test.sh runs it as its
/// own step after the rest of the integration tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FaultSuite
{
    public const string Name = "Fault suite";
}
