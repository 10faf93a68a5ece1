using ComplaintGrpc.Domain.Evaluation;
using Microsoft.Extensions.Options;

namespace ComplaintGrpc.Server.Evaluation;

public static class EvaluationRegistration
{
    /// <summary>The review chain from <c>Evaluation:Review</c>, checked at start: a bad rule stops the server naming it.</summary>
    public static IServiceCollection AddEvaluation(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReviewOptions>().Bind(configuration.GetSection("Evaluation:Review")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReviewOptions>, ReviewOptionsValidation>();
        services.AddSingleton(sp => ReviewPolicy.FromOptions(sp.GetRequiredService<IOptions<ReviewOptions>>().Value));
        services.AddOptions<AssessmentOptions>().Bind(configuration.GetSection("Evaluation:Assessment"))
            .Validate(o => o.Substantiated >= 0 && o.PartlySubstantiated >= 0 && o.OverturnedFinding >= 0 && o.ClockBreach >= 0,
                "Evaluation:Assessment points must not be negative.")
            .Validate(o => o.FrequentMinimum >= 1 && o.FrequentWindowDays is >= 1 and <= 366,
                "Evaluation:Assessment:FrequentMinimum must be at least 1 and FrequentWindowDays 1-366.")
            .ValidateOnStart();
        return services;
    }

    private sealed class ReviewOptionsValidation : IValidateOptions<ReviewOptions>
    {
        public ValidateOptionsResult Validate(string? name, ReviewOptions options)
        {
            try
            {
                ReviewPolicy.FromOptions(options);
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentException e)
            {
                return ValidateOptionsResult.Fail(e.Message);
            }
        }
    }
}
