using System.Collections.Concurrent;
using System.Reflection;
using ComplaintGrpc.Server;
using ComplaintGrpc.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ComplaintGrpc.IntegrationTests.Deployment;

/// <summary>
/// Which configuration keys a host reads, found by composing it exactly as its Program.cs does (AddComplaintServer,
/// AddComplaintWorker) over a configuration that records every key looked up, then binding each of its options classes.
/// The code is the source of truth: a setting that no options class (or composition code) reads under that name shows up
/// as not read, whatever the artefact says. Nothing is started: no port, no database.
/// </summary>
public static class SettingsReadByHosts
{
    // Values the compositions need to bind at all; an artefact's own values replace them.
    private static readonly Dictionary<string, string?> Baseline = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ConnectionStrings:Complaints"] = "Host=127.0.0.1;Port=1;Database=complaints",
        ["Auth:SigningKey"] = Convert.ToBase64String(new byte[32]),
    };

    public static IReadOnlySet<string> Server(IReadOnlyDictionary<string, string> environment)
    {
        var (source, data) = Tracking(environment);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = "Production",
            ApplicationName = typeof(ServerOptions).Assembly.GetName().Name,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(data);
        ((IConfigurationBuilder)builder.Configuration).Add(source);
        builder.AddComplaintServer();
        using var app = builder.Build();
        BindEveryOptionsClass(app.Services, builder.Services);
        return source.Provider.ReadKeys;
    }

    public static IReadOnlySet<string> Worker(IReadOnlyDictionary<string, string> environment)
    {
        var (source, data) = Tracking(environment);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = "Production",
            ApplicationName = typeof(WorkerOptions).Assembly.GetName().Name,
        });
        builder.Configuration.AddInMemoryCollection(data);
        ((IConfigurationBuilder)builder.Configuration).Add(source);
        builder.AddComplaintWorker();
        using var host = builder.Build();
        BindEveryOptionsClass(host.Services, builder.Services);
        return source.Provider.ReadKeys;
    }

    private static (ReadTrackingSource, Dictionary<string, string?>) Tracking(IReadOnlyDictionary<string, string> environment)
    {
        var artefact = environment.Where(p => DeploymentArtefacts.IsSettingKey(p.Key))
            .ToDictionary(p => DeploymentArtefacts.ConfigurationKey(p.Key), p => (string?)p.Value, StringComparer.OrdinalIgnoreCase);
        // The baseline sits below the tracked source; only the artefact's keys are tracked.
        return (new ReadTrackingSource(artefact), new Dictionary<string, string?>(Baseline.Where(b => !artefact.ContainsKey(b.Key))));
    }

    /// <summary>Every options class of ours registered in the container gets bound (and validated: an artefact's
    /// file paths do not exist here, so validation failures are expected and ignored; binding has happened by then).</summary>
    private static void BindEveryOptionsClass(IServiceProvider services, IServiceCollection registrations)
    {
        var optionsTypes = registrations
            .Select(d => d.ServiceType)
            .Where(t => t.IsGenericType && t.GetGenericTypeDefinition() is var g
                        && (g == typeof(IConfigureOptions<>) || g == typeof(IOptionsChangeTokenSource<>) || g == typeof(IValidateOptions<>)))
            .Select(t => t.GetGenericArguments()[0])
            .Where(t => t.Assembly.GetName().Name!.StartsWith("ComplaintGrpc.", StringComparison.Ordinal))
            .Distinct();
        foreach (var type in optionsTypes)
        {
            var options = services.GetRequiredService(typeof(IOptions<>).MakeGenericType(type));
            try
            {
                _ = options.GetType().GetProperty(nameof(IOptions<object>.Value))!.GetValue(options);
            }
            catch (TargetInvocationException e) when (e.InnerException is OptionsValidationException)
            {
            }
        }
    }

    private sealed class ReadTrackingSource(IDictionary<string, string?> data) : IConfigurationSource
    {
        public ReadTrackingProvider Provider { get; } = new(data);

        public IConfigurationProvider Build(IConfigurationBuilder builder) => Provider;
    }

    /// <summary>Records every key looked up. Enumerating a section's children does not count: only a value read does.</summary>
    private sealed class ReadTrackingProvider : ConfigurationProvider
    {
        private readonly ConcurrentDictionary<string, byte> _read = new(StringComparer.OrdinalIgnoreCase);

        public ReadTrackingProvider(IDictionary<string, string?> data)
        {
            foreach (var (key, value) in data)
                Data[key] = value;
        }

        public IReadOnlySet<string> ReadKeys => _read.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);

        public override bool TryGet(string key, out string? value)
        {
            _read.TryAdd(key, 0);
            return base.TryGet(key, out value);
        }
    }
}
