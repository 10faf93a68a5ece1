using System.Runtime.CompilerServices;
using Hangfire.Common;

namespace ComplaintGrpc.IntegrationTests.Dashboard;

/// <summary>
/// Hangfire keeps process-wide statics: each host's <c>AddHangfire</c> points the global log provider at that host's
/// LoggerFactory when the host starts, and every Hangfire client object (a BackgroundJobClient, the RecurringJobManager
/// behind the dashboard's "Trigger now") takes its logger from whatever provider is current when it is made. Test classes
/// start and stop servers in one process, in parallel: once the host that last set the provider is disposed, making such
/// an object throws ObjectDisposedException (a 500 from "Trigger now"). Worse, if <c>JobFilterProviders</c>' static
/// constructor first runs then, it fails for the rest of the run (TypeInitializationException).
/// </summary>
internal static class HangfireStatics
{
    /// <summary>Test classes that make Hangfire jobs in this process run alone, after the parallel ones: the provider is
    /// then their own host's, set when it started, for as long as they run.</summary>
    public const string AloneCollection = "Hangfire clients in the test process";

    /// <summary>Runs the static constructor once when the test assembly loads, before any host exists, so that it cannot
    /// fail later whatever the order of tests; the default filters then log nowhere, which no test relies on.</summary>
#pragma warning disable CA2255 // ModuleInitializer in a library: this library is the test assembly, and process start is exactly when this must run.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void InitializeBeforeAnyHost() => _ = JobFilterProviders.Providers;
}

[CollectionDefinition(HangfireStatics.AloneCollection, DisableParallelization = true)]
public sealed class HangfireClientsAlone;
