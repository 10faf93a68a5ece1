using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain.Evaluation;
using ComplaintGrpc.Server.Evaluation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ComplaintGrpc.Server.Tests.Evaluation;

/// <summary>The review chain and the points table bind from configuration (keys as environment variables spell them,
/// with ':' for '__') and a bad value is refused naming it, as at start.</summary>
public sealed class EvaluationOptionsTests
{
    private static ServiceProvider Build(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return new ServiceCollection().AddEvaluation(configuration).BuildServiceProvider();
    }

    [Fact]
    public void A_configured_rule_is_added_to_the_default_chain()
    {
        using var services = Build(("Evaluation:Review:Rules:0:Levels:0", "Important"), ("Evaluation:Review:Rules:0:Approvals", "2"));

        var policy = services.GetRequiredService<ReviewPolicy>();

        Assert.Equal(2, policy.ApprovalsNeeded(Level.Important, SubCategory.Outage, Substantiation.Unsubstantiated));
        Assert.Equal(1, policy.ApprovalsNeeded(Level.Major, SubCategory.Outage, Substantiation.Unsubstantiated));
    }

    [Fact]
    public void A_rule_with_too_many_approvals_is_refused_naming_it()
    {
        using var services = Build(("Evaluation:Review:Rules:0:Approvals", "7"));

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ReviewOptions>>().Value);

        Assert.Contains("Evaluation:Review:Rules:2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Negative_points_are_refused()
    {
        using var services = Build(("Evaluation:Assessment:ClockBreach", "-1"));

        var e = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AssessmentOptions>>().Value);

        Assert.Contains("must not be negative", e.Message, StringComparison.Ordinal);
    }
}
