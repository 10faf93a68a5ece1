using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ComplaintGrpc.IntegrationTests.Deployment;

/// <summary>Both contract packages, made once for the class by <c>ops/pack.sh</c> into a temporary folder.</summary>
public sealed class ContractPackages : IAsyncLifetime
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "complaintgrpc-pack-" + Guid.NewGuid().ToString("N")[..12]);

    public string Version { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Version = (await File.ReadAllTextAsync(Path.Combine(DeploymentArtefacts.RepositoryRoot, "ops", "pack", "VERSION"))).Trim();
        var start = new ProcessStartInfo("bash", [Path.Combine(DeploymentArtefacts.RepositoryRoot, "ops", "pack.sh"), "--out", Folder])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var pack = Process.Start(start)!;
        var output = pack.StandardOutput.ReadToEndAsync();
        var errors = pack.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await pack.WaitForExitAsync(timeout.Token);
        if (pack.ExitCode != 0)
            throw new InvalidOperationException($"ops/pack.sh failed (exit {pack.ExitCode}):\n{await output}\n{await errors}");
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// <c>ops/pack.sh</c> builds both contract packages (and checks them itself); this reads what it made independently:
/// the NuGet assembly's type table through System.Reflection.Metadata, and the npm tarball's entries.
/// </summary>
public sealed class ContractPackagesTests(ContractPackages packages) : IClassFixture<ContractPackages>
{
    private string Out => packages.Folder;
    private string Version => packages.Version;

    [Fact]
    public void The_NuGet_package_has_a_client_for_every_service_and_no_server_base_class()
    {
        var services = Directory.GetFiles(Path.Combine(DeploymentArtefacts.RepositoryRoot, "protos", "complaints", "v1"), "*.proto")
            .SelectMany(File.ReadLines)
            .Where(l => l.StartsWith("service ", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1])
            .ToList();
        Assert.NotEmpty(services);

        using var package = ZipFile.OpenRead(Path.Combine(Out, $"ComplaintGrpc.Contracts.Client.{Version}.nupkg"));
        var entry = package.GetEntry("lib/netstandard2.0/ComplaintGrpc.Contracts.Client.dll")!;
        using var copy = new MemoryStream();
        using (var stream = entry.Open())
            stream.CopyTo(copy);
        copy.Position = 0;
        using var pe = new PEReader(copy);
        var metadata = pe.GetMetadataReader();
        var types = metadata.TypeDefinitions.Select(h => metadata.GetString(metadata.GetTypeDefinition(h).Name)).ToHashSet(StringComparer.Ordinal);
        var methods = metadata.MethodDefinitions.Select(h => metadata.GetString(metadata.GetMethodDefinition(h).Name)).ToHashSet(StringComparer.Ordinal);

        foreach (var service in services)
        {
            Assert.Contains(service + "Client", types);
            Assert.DoesNotContain(service + "Base", types);
        }
        Assert.DoesNotContain("BindService", methods);
        Assert.Contains("SubmitComplaintRequest", types);
        Assert.Contains(package.Entries, e => e.FullName == "protos/complaints/v1/complaint_service.proto");
    }

    [Fact]
    public async Task The_npm_tarball_holds_every_proto_and_the_version_from_VERSION()
    {
        var protos = Directory.GetFiles(Path.Combine(DeploymentArtefacts.RepositoryRoot, "protos"), "*.proto", SearchOption.AllDirectories)
            .Select(p => "package/protos/" + Path.GetRelativePath(Path.Combine(DeploymentArtefacts.RepositoryRoot, "protos"), p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal).ToList();

        var entries = new List<string>();
        string packageJson = "";
        await using (var file = File.OpenRead(Path.Combine(Out, $"complaintgrpc-protos-{Version}.tgz")))
        await using (var gzip = new GZipStream(file, CompressionMode.Decompress))
        await using (var tar = new TarReader(gzip))
        {
            while (await tar.GetNextEntryAsync() is { } e)
            {
                entries.Add(e.Name);
                if (e.Name == "package/package.json")
                    packageJson = await new StreamReader(e.DataStream!).ReadToEndAsync();
            }
        }

        Assert.Equal(protos, entries.Where(e => e.EndsWith(".proto", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Contains("package/index.js", entries);
        using var json = System.Text.Json.JsonDocument.Parse(packageJson);
        Assert.Equal(Version, json.RootElement.GetProperty("version").GetString());
        Assert.Equal("@complaintgrpc/protos", json.RootElement.GetProperty("name").GetString());
    }
}
