// The integration tier: real PostgreSQL, real gRPC over sockets, real worker processes. `dotnet test --filter Tier=Integration`.
[assembly: AssemblyTrait("Tier", "Integration")]
