namespace ComplaintGrpc.IntegrationTests.Infrastructure;

/// <summary>Waiting in tests: poll a condition until it holds or a timeout passes; never a fixed sleep.</summary>
public static class Poll
{
    /// <param name="maxInterval">The longest pause between probes (default 500 ms; probes start 50 ms apart and back
    /// off to it). A test that must act the moment a condition holds passes a short one.</param>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null, string? what = null,
        TimeSpan? maxInterval = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var longest = maxInterval ?? TimeSpan.FromMilliseconds(500);
        var interval = TimeSpan.FromMilliseconds(Math.Min(50, longest.TotalMilliseconds));
        while (true)
        {
            var value = await probe();
            if (done(value))
                return value;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Timed out waiting for {what ?? "the condition"}; last value: {value}");
            await Task.Delay(interval);
            interval = TimeSpan.FromMilliseconds(Math.Min(interval.TotalMilliseconds * 2, longest.TotalMilliseconds));
        }
    }
}
