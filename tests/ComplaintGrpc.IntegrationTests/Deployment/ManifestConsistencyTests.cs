using ComplaintGrpc.Server;
using YamlDotNet.RepresentationModel;

namespace ComplaintGrpc.IntegrationTests.Deployment;

/// <summary>
/// The deployment artefacts (ops/deploy) against the code: every setting they name is one the host reads under that
/// name, and every port and probe is the one the server listens on. The options classes are the source of truth
/// (<see cref="SettingsReadByHosts"/>; ports default to <see cref="ServerOptions"/>'s), so renaming a setting or moving a
/// port in the code breaks these tests until the artefacts follow. There is no container engine or cluster here: this
/// is how the Dockerfiles, compose file and manifests are kept honest.
/// </summary>
public sealed class ManifestConsistencyTests
{
    private static readonly ServerOptions Defaults = new();

    private static SystemdUnit ServerUnit => SystemdUnit.Load(DeploymentArtefacts.PathOf("systemd/complaintgrpc-server.service"));
    private static SystemdUnit WorkerUnit => SystemdUnit.Load(DeploymentArtefacts.PathOf("systemd/complaintgrpc-worker.service"));
    private static Dockerfile ServerImage => Dockerfile.Load(DeploymentArtefacts.PathOf("docker/server.Dockerfile"));
    private static Dockerfile WorkerImage => Dockerfile.Load(DeploymentArtefacts.PathOf("docker/worker.Dockerfile"));
    private static YamlMappingNode Compose => Assert.Single(Yaml.LoadAll(DeploymentArtefacts.PathOf("compose/compose.yaml")));

    private static IReadOnlyList<YamlMappingNode> Kubernetes =>
        new[] { "config.yaml", "server.yaml", "worker.yaml" }.SelectMany(f => Yaml.LoadAll(DeploymentArtefacts.PathOf("k8s/" + f))).ToList();

    [Fact]
    public void A_misspelt_setting_is_reported_as_not_read_so_these_checks_can_fail()
    {
        var read = SettingsReadByHosts.Server(new Dictionary<string, string> { ["Server__GrpcPortt"] = "5080", ["Sever__GrpcPort"] = "5080" });
        Assert.DoesNotContain("Server:GrpcPortt", read);
        Assert.DoesNotContain("Sever:GrpcPort", read);
        Assert.Contains("Server:GrpcPort", read);
    }

    [Fact]
    public void Every_setting_in_the_systemd_units_is_read_by_its_host()
    {
        AssertAllRead(ServerUnit.Environment(), SettingsReadByHosts.Server, "complaintgrpc-server.service");
        AssertAllRead(WorkerUnit.Environment(), SettingsReadByHosts.Worker, "complaintgrpc-worker.service");
    }

    [Fact]
    public void Every_setting_in_the_Dockerfiles_is_read_by_its_host()
    {
        AssertAllRead(ServerImage.Environment, SettingsReadByHosts.Server, "server.Dockerfile");
        // The worker image sets no setting of its own (everything comes from the orchestrator).
        AssertAllRead(WorkerImage.Environment, SettingsReadByHosts.Worker, "worker.Dockerfile", mayBeEmpty: true);
    }

    [Fact]
    public void Every_setting_in_the_compose_file_is_read_by_its_service()
    {
        AssertAllRead(Compose.Map("services", "server", "environment"), SettingsReadByHosts.Server, "compose server");
        AssertAllRead(Compose.Map("services", "worker", "environment"), SettingsReadByHosts.Worker, "compose worker");
    }

    [Fact]
    public void Every_setting_in_the_Kubernetes_ConfigMap_and_container_env_is_read_by_a_host_that_gets_it()
    {
        var docs = Kubernetes;
        var config = docs.Kind("ConfigMap", "complaintgrpc-config").Map("data");
        var server = SettingsReadByHosts.Server(config.Concat(ContainerEnv(docs, "complaintgrpc-server")).ToDictionary());
        var worker = SettingsReadByHosts.Worker(config.Concat(ContainerEnv(docs, "complaintgrpc-worker")).ToDictionary());
        var unread = config.Keys.Where(DeploymentArtefacts.IsSettingKey)
            .Where(k => !server.Contains(DeploymentArtefacts.ConfigurationKey(k)) && !worker.Contains(DeploymentArtefacts.ConfigurationKey(k)))
            .ToList();
        Assert.True(unread.Count == 0, $"ConfigMap keys neither host reads: {string.Join(", ", unread)}");
        AssertAllRead(ContainerEnv(docs, "complaintgrpc-server"), _ => server, "server Deployment env");
        AssertAllRead(ContainerEnv(docs, "complaintgrpc-worker"), _ => worker, "worker Deployment env");
        // Both hosts need the database; the server needs a way to check tokens.
        Assert.Contains("ConnectionStrings__Complaints", ContainerEnv(docs, "complaintgrpc-server").Keys);
        Assert.Contains("ConnectionStrings__Complaints", ContainerEnv(docs, "complaintgrpc-worker").Keys);
        Assert.True(config.ContainsKey("Auth__SigningKeyFile") || config.ContainsKey("Auth__Authority"));
    }

    [Fact]
    public void The_systemd_server_unit_reads_its_signing_key_from_a_credential_it_loads()
    {
        var unit = ServerUnit;
        var keyFile = unit.Environment()["Auth__SigningKeyFile"];
        Assert.StartsWith("%d/", keyFile, StringComparison.Ordinal);
        Assert.Contains(keyFile["%d/".Length..], unit.CredentialNames());
    }

    [Fact]
    public void The_systemd_units_are_hardened()
    {
        foreach (var unit in new[] { ServerUnit, WorkerUnit })
        {
            Assert.Equal("yes", unit.One("DynamicUser"));
            Assert.Equal("strict", unit.One("ProtectSystem"));
            Assert.Equal("yes", unit.One("NoNewPrivileges"));
            Assert.Equal("yes", unit.One("PrivateTmp"));
            Assert.Equal("", unit.One("CapabilityBoundingSet"));
            // The JIT needs writable-executable memory: this setting would stop the runtime.
            Assert.Empty(unit.Values("MemoryDenyWriteExecute"));
        }
    }

    [Fact]
    public void The_images_run_as_a_non_root_user_on_a_chiseled_runtime()
    {
        foreach (var image in new[] { ServerImage, WorkerImage })
        {
            Assert.True(image.BaseImages.Count >= 2, "multi-stage: an SDK build stage, then the runtime");
            Assert.Contains("sdk", image.BaseImages[0], StringComparison.Ordinal);
            Assert.Contains("chiseled", image.BaseImages[^1], StringComparison.Ordinal);
            Assert.NotEqual("", image.User);
            Assert.NotEqual("0", image.User.Split(':')[0]);
            Assert.NotEqual("root", image.User.Split(':')[0]);
        }
    }

    [Fact]
    public void The_Dockerfile_exposes_the_ports_the_server_listens_on()
    {
        var image = ServerImage;
        var (grpc, admin) = Ports(image.Environment);
        Assert.Equal(new[] { grpc, admin }.Order(), image.ExposedPorts.Order());
        Assert.Empty(WorkerImage.ExposedPorts);
    }

    [Fact]
    public void The_compose_file_publishes_the_ports_the_server_listens_on()
    {
        var server = Compose.Get("services", "server")!;
        var (grpc, admin) = Ports(server.Map("environment"));
        // "HOST:CONTAINER" or "IP:HOST:CONTAINER": the container side is the last part.
        var containerPorts = server.Items("ports").Select(p => DeploymentArtefacts.Port(((YamlScalarNode)p).Value!.Split(':')[^1])).ToList();
        Assert.Equal(new[] { grpc, admin }.Order(), containerPorts.Order());
    }

    [Fact]
    public void The_Kubernetes_ports_probes_and_Service_match_the_ports_the_server_listens_on()
    {
        var docs = Kubernetes;
        var (grpc, admin) = Ports(docs.Kind("ConfigMap", "complaintgrpc-config").Map("data"));
        var container = ServerContainer(docs);

        var containerPorts = container.Items("ports").ToDictionary(p => p.Text("name")!, p => DeploymentArtefacts.Port(p.Text("containerPort")!));
        Assert.Equal(grpc, containerPorts["grpc"]);
        Assert.Equal(admin, containerPorts["admin"]);
        foreach (var probe in new[] { "startupProbe", "readinessProbe" })
            Assert.Equal(grpc.ToString(System.Globalization.CultureInfo.InvariantCulture), container.Text(probe, "grpc", "port"));
        Assert.Equal(admin.ToString(System.Globalization.CultureInfo.InvariantCulture), container.Text("livenessProbe", "httpGet", "port"));

        var servicePorts = docs.Kind("Service", "complaintgrpc-server").Items("spec", "ports")
            .ToDictionary(p => p.Text("name")!, p => DeploymentArtefacts.Port(p.Text("targetPort")!));
        Assert.Equal(grpc, servicePorts["grpc"]);
        Assert.Equal(admin, servicePorts["admin"]);
    }

    [Fact]
    public void The_Service_and_PodDisruptionBudgets_select_the_Deployments_pods()
    {
        var docs = Kubernetes;
        foreach (var name in new[] { "complaintgrpc-server", "complaintgrpc-worker" })
        {
            var podLabels = docs.Kind("Deployment", name).Map("spec", "template", "metadata", "labels");
            Assert.Equal(docs.Kind("Deployment", name).Map("spec", "selector", "matchLabels"), Subset(podLabels, docs.Kind("Deployment", name).Map("spec", "selector", "matchLabels")));
            var budget = docs.Kind("PodDisruptionBudget", name).Map("spec", "selector", "matchLabels");
            Assert.NotEmpty(budget);
            Assert.Equal(budget, Subset(podLabels, budget));
        }
        var service = docs.Kind("Service", "complaintgrpc-server").Map("spec", "selector");
        Assert.Equal(service, Subset(docs.Kind("Deployment", "complaintgrpc-server").Map("spec", "template", "metadata", "labels"), service));
    }

    [Fact]
    public void Every_artefact_puts_the_server_on_the_same_ports()
    {
        var ports = new[]
        {
            Ports(ServerUnit.Environment()),
            Ports(ServerImage.Environment),
            Ports(Compose.Map("services", "server", "environment")),
            Ports(Kubernetes.Kind("ConfigMap", "complaintgrpc-config").Map("data")),
        };
        Assert.Single(ports.Distinct());
    }

    /// <summary>The ports an artefact's settings give the server: its own values, else the code's defaults.</summary>
    private static (int Grpc, int Admin) Ports(IReadOnlyDictionary<string, string> environment) => (
        environment.TryGetValue($"Server__{nameof(ServerOptions.GrpcPort)}", out var grpc) ? DeploymentArtefacts.Port(grpc) : Defaults.GrpcPort,
        environment.TryGetValue($"Server__{nameof(ServerOptions.AdminPort)}", out var admin) ? DeploymentArtefacts.Port(admin) : Defaults.AdminPort);

    internal static YamlNode ServerContainer(IReadOnlyList<YamlMappingNode> docs) =>
        Assert.Single(docs.Kind("Deployment", "complaintgrpc-server").Items("spec", "template", "spec", "containers"));

    /// <summary>A container's <c>env:</c> entries (value or a reference: the name is what counts here).</summary>
    private static Dictionary<string, string> ContainerEnv(IReadOnlyList<YamlMappingNode> docs, string deployment) =>
        Assert.Single(docs.Kind("Deployment", deployment).Items("spec", "template", "spec", "containers"))
            .Items("env").ToDictionary(e => e.Text("name")!, e => e.Text("value") ?? "from-a-reference", StringComparer.Ordinal);

    private static Dictionary<string, string> Subset(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> selector) =>
        labels.Where(l => selector.ContainsKey(l.Key)).ToDictionary();

    private static void AssertAllRead(IReadOnlyDictionary<string, string> environment, Func<IReadOnlyDictionary<string, string>, IReadOnlySet<string>> host, string artefact, bool mayBeEmpty = false)
    {
        var settings = environment.Keys.Where(DeploymentArtefacts.IsSettingKey).ToList();
        Assert.True(mayBeEmpty || settings.Count > 0, $"{artefact} names no settings: the parser found none");
        var read = host(environment);
        var unread = settings.Where(k => !read.Contains(DeploymentArtefacts.ConfigurationKey(k))).ToList();
        Assert.True(unread.Count == 0, $"{artefact} names settings its host does not read: {string.Join(", ", unread)}");
    }
}
