using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace ComplaintGrpc.Server.Security;

/// <summary>Bound from <c>Limits:*</c>.</summary>
public sealed class LimitOptions
{
    /// <summary>Sustained submissions per second per caller.</summary>
    [Range(1, 100_000)]
    public int SubmitPerSecond { get; set; } = 20;

    /// <summary>How many submissions a caller may send at once above the sustained rate.</summary>
    [Range(1, 100_000)]
    public int SubmitBurst { get; set; } = 200;
}

/// <summary>
/// Per-caller token bucket on SubmitComplaint, so one broken intake loop cannot flood the service: over the limit is
/// RESOURCE_EXHAUSTED with a google.rpc.RetryInfo saying when to try again. Other callers are not affected.
/// </summary>
public sealed class SubmissionRateLimit(IOptions<LimitOptions> options) : Interceptor, IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(caller =>
        RateLimitPartition.GetTokenBucketLimiter(caller, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Value.SubmitBurst,
            TokensPerPeriod = options.Value.SubmitPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (request is SubmitComplaintRequest)
        {
            using var lease = _limiter.AttemptAcquire(Caller.Of(context).Subject);
            if (!lease.IsAcquired)
            {
                var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                throw new DomainException(ErrorKind.ResourceExhausted, "RATE_LIMITED",
                    "Too many submissions from this caller; slow down and retry after the delay given.",
                    metadata: new Dictionary<string, string> { [ErrorMetadata.RetryAfterMilliseconds] = ((long)retryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) });
            }
        }
        return await continuation(request, context);
    }

    public void Dispose() => _limiter.Dispose();
}
