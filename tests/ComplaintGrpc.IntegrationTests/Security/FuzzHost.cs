using ComplaintGrpc.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace ComplaintGrpc.IntegrationTests.Security;

/// <summary>The server under fuzzing: the real composition, with the per-caller submission limit raised so that
/// thousands of submissions from the one fuzz caller reach validation and the database instead of the rate limiter
/// (which has its own tests; RESOURCE_EXHAUSTED would still be an accepted answer).</summary>
public sealed class FuzzHost : ServerHost
{
    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Limits:SubmitPerSecond"] = "100000",
            ["Limits:SubmitBurst"] = "100000",
        });
        // Ten thousand requests' worth of framework debug logging costs more CPU than the requests themselves.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning);
    }
}
