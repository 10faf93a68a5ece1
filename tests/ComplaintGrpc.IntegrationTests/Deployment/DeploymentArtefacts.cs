using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace ComplaintGrpc.IntegrationTests.Deployment;

/// <summary>The files under <c>ops/deploy/</c>, read the way systemd, Docker, Compose and Kubernetes read them (as far
/// as the settings, ports and probes go).</summary>
public static partial class DeploymentArtefacts
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string PathOf(string relative) => Path.Combine(RepositoryRoot, "ops", "deploy", relative);

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ComplaintGrpc.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"Cannot find the folder holding ComplaintGrpc.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>A configuration key of the hosts, as opposed to a runtime switch (DOTNET_*) or HOME.</summary>
    public static bool IsSettingKey(string name) => name.Contains("__", StringComparison.Ordinal);

    /// <summary>Environment variable <c>Section__Key</c> as the configuration key <c>Section:Key</c>.</summary>
    public static string ConfigurationKey(string environmentName) => environmentName.Replace("__", ":", StringComparison.Ordinal);

    public static int Port(string value) => int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
}

/// <summary>A systemd unit file: its <c>[Service]</c> assignments in order (a key may repeat).</summary>
public sealed partial class SystemdUnit
{
    private SystemdUnit(IReadOnlyList<KeyValuePair<string, string>> service) => Service = service;

    public IReadOnlyList<KeyValuePair<string, string>> Service { get; }

    public static SystemdUnit Load(string path)
    {
        var service = new List<KeyValuePair<string, string>>();
        var section = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[') { section = line.Trim('[', ']'); continue; }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (section == "Service" && equals > 0)
                service.Add(new(line[..equals].Trim(), line[(equals + 1)..].Trim()));
        }
        return new SystemdUnit(service);
    }

    public IEnumerable<string> Values(string key) => Service.Where(p => p.Key == key).Select(p => p.Value);

    public string One(string key) => Assert.Single(Values(key));

    /// <summary>The variables of every <c>Environment=</c> line; each line may hold several space-separated, optionally
    /// double-quoted <c>NAME=value</c> assignments, as systemd.exec describes.</summary>
    public IReadOnlyDictionary<string, string> Environment()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Values("Environment"))
        {
            foreach (Match m in Assignment().Matches(line))
            {
                var text = m.Groups["quoted"].Success ? m.Groups["quoted"].Value : m.Groups["bare"].Value;
                var equals = text.IndexOf('=', StringComparison.Ordinal);
                variables[text[..equals]] = text[(equals + 1)..];
            }
        }
        return variables;
    }

    /// <summary><c>LoadCredential=NAME:PATH</c> lines: the credential names the service may read from <c>%d/</c>.</summary>
    public IReadOnlyList<string> CredentialNames() =>
        Values("LoadCredential").Select(v => v[..v.IndexOf(':', StringComparison.Ordinal)]).ToList();

    [GeneratedRegex("\"(?<quoted>[^\"]*)\"|(?<bare>[^\\s\"]+)")]
    private static partial Regex Assignment();
}

/// <summary>A Dockerfile's final stage: its <c>ENV</c> variables and <c>EXPOSE</c>d ports.</summary>
public sealed partial class Dockerfile
{
    public required IReadOnlyDictionary<string, string> Environment { get; init; }
    public required IReadOnlyList<int> ExposedPorts { get; init; }
    public required string User { get; init; }
    public required IReadOnlyList<string> BaseImages { get; init; }

    public static Dockerfile Load(string path)
    {
        // Continuation lines joined, comments dropped; only the last stage counts for the image that runs.
        var text = string.Join('\n', File.ReadAllLines(path).Where(l => !l.TrimStart().StartsWith('#')));
        var instructions = text.Replace("\\\n", " ", StringComparison.Ordinal).Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        var froms = instructions.Where(l => l.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase)).ToList();
        var lastStage = instructions.Skip(instructions.LastIndexOf(froms[^1])).ToList();
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var ports = new List<int>();
        var user = "";
        foreach (var line in lastStage)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var (keyword, rest) = (line[..space].ToUpperInvariant(), line[(space + 1)..].Trim());
            if (keyword == "ENV")
            {
                foreach (Match m in EnvAssignment().Matches(rest))
                    environment[m.Groups["name"].Value] = m.Groups["value"].Value.Trim('"');
            }
            else if (keyword == "EXPOSE")
                ports.AddRange(rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => DeploymentArtefacts.Port(p.Split('/')[0])));
            else if (keyword == "USER")
                user = rest;
        }
        return new Dockerfile
        {
            Environment = environment,
            ExposedPorts = ports,
            User = user,
            BaseImages = froms.Select(f => f.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).ToList(),
        };
    }

    [GeneratedRegex("(?<name>[A-Za-z_][A-Za-z0-9_]*)=(?<value>\"[^\"]*\"|\\S*)")]
    private static partial Regex EnvAssignment();
}

/// <summary>YAML documents (compose file, Kubernetes manifests) through YamlDotNet's representation model.</summary>
public static class Yaml
{
    public static IReadOnlyList<YamlMappingNode> LoadAll(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path))
            stream.Load(reader);
        return stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().ToList();
    }

    public static YamlNode? Get(this YamlNode node, params string[] path)
    {
        var current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
                return null;
            current = next;
        }
        return current;
    }

    public static string? Text(this YamlNode node, params string[] path) => (node.Get(path) as YamlScalarNode)?.Value;

    public static IEnumerable<YamlNode> Items(this YamlNode node, params string[] path) =>
        node.Get(path) is YamlSequenceNode sequence ? sequence.Children : [];

    public static IReadOnlyDictionary<string, string> Map(this YamlNode node, params string[] path) =>
        node.Get(path) is YamlMappingNode map
            ? map.Children.ToDictionary(p => ((YamlScalarNode)p.Key).Value!, p => (p.Value as YamlScalarNode)?.Value ?? "", StringComparer.Ordinal)
            : new Dictionary<string, string>();

    public static YamlMappingNode Kind(this IEnumerable<YamlMappingNode> documents, string kind, string name) =>
        Assert.Single(documents, d => d.Text("kind") == kind && d.Text("metadata", "name") == name);
}
