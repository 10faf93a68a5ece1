using ComplaintGrpc.Domain.TimeLimits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ComplaintGrpc.Storage;

public static class TimeLimitsRegistration
{
    /// <summary>
    /// The time-limit rules both hosts share: the deadline policy (shipped defaults plus rules from
    /// <c>TimeLimits:Policy</c>), the milestones of reminders and escalation (<c>TimeLimits:Milestones</c>) and the
    /// calendar. A bad rule stops the process at start with the rule named, not at the first case.
    /// </summary>
    public static IHostApplicationBuilder AddTimeLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DeadlinePolicyOptions>().BindConfiguration("TimeLimits:Policy");
        builder.Services.AddSingleton(sp => DeadlinePolicy.FromOptions(sp.GetRequiredService<IOptions<DeadlinePolicyOptions>>().Value));
        builder.Services.AddOptions<MilestoneOptions>().BindConfiguration("TimeLimits:Milestones").ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<CalendarStore>();
        builder.Services.AddHostedService<PolicyValidation>();
        return builder;
    }

    /// <summary>Builds the policy once at start so that a broken rule fails start-up.</summary>
    private sealed class PolicyValidation(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            services.GetRequiredService<DeadlinePolicy>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
