using ComplaintGrpc.Domain.Rectification;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ComplaintGrpc.Storage.Rectification;

public static class RectificationRegistration
{
    /// <summary><c>Rectification:*</c> for server and worker alike (the default evaluation period), checked at start.</summary>
    public static IHostApplicationBuilder AddRectificationOptions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RectificationOptions>().BindConfiguration("Rectification").ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }
}
