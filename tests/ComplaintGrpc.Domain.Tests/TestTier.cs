// The fast tier: no database, no sockets, no processes. Run it alone with `dotnet test --filter Tier=Fast`.
[assembly: AssemblyTrait("Tier", "Fast")]
