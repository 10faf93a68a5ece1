using ComplaintGrpc.Domain.Intake;
using Microsoft.Extensions.Options;

namespace ComplaintGrpc.Server.Complaints;

public static class IntakeRegistration
{
    /// <summary>Intake:* settings (repeat window, warning rules), checked at start so a bad one stops the server with
    /// every problem named instead of misjudging complaints.</summary>
    public static IServiceCollection AddIntake(this IServiceCollection services)
    {
        services.AddOptions<IntakeOptions>().BindConfiguration("Intake").ValidateOnStart();
        services.AddSingleton<IValidateOptions<IntakeOptions>, IntakeOptionsValidation>();
        return services;
    }

    private sealed class IntakeOptionsValidation : IValidateOptions<IntakeOptions>
    {
        public ValidateOptionsResult Validate(string? name, IntakeOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
