using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;

namespace ComplaintGrpc.Bench;

/// <summary>Latencies of one run (exact percentiles from the sorted samples) and the calls that failed, by status.</summary>
public sealed class Samples
{
    private readonly ConcurrentBag<double> _ms = [];
    private double[]? _sorted;

    public ConcurrentDictionary<string, int> Errors { get; } = new();
    public double Seconds { get; set; }
    public int Count => _ms.Count;
    public int ErrorCount => Errors.Values.Sum();
    public double PerSecond => Seconds > 0 ? Count / Seconds : 0;

    public void Add(double ms) => _ms.Add(ms);

    public void Fail(Exception e) => Errors.AddOrUpdate(Kind(e), 1, (_, n) => n + 1);

    public static string Kind(Exception e) => e switch
    {
        RpcException r => r.StatusCode.ToString(),
        OperationCanceledException => "Cancelled",
        _ => e.GetType().Name,
    };

    /// <summary>Nearest-rank percentile in ms; NaN without samples.</summary>
    public double P(double q)
    {
        _sorted ??= [.. _ms.Order()];
        if (_sorted.Length == 0) return double.NaN;
        var rank = (int)Math.Ceiling(q / 100 * _sorted.Length) - 1;
        return _sorted[Math.Clamp(rank, 0, _sorted.Length - 1)];
    }

    public string ErrorText() => ErrorCount == 0 ? "" : string.Join(", ", Errors.Select(e => $"{e.Value} {e.Key}"));
}

public static class Load
{
    /// <summary>Closed loop: <paramref name="callers"/> callers each send the next call when the previous one ends.</summary>
    public static async Task<Samples> ClosedAsync(int callers, TimeSpan duration, Func<long, CancellationToken, Task> call)
    {
        var samples = new Samples();
        long sequence = 0;
        using var stop = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        async Task Caller()
        {
            while (watch.Elapsed < duration)
            {
                var n = Interlocked.Increment(ref sequence);
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await call(n, stop.Token);
                    samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                catch (Exception e) when (e is RpcException or OperationCanceledException or Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    samples.Fail(e);
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(Caller)));
        samples.Seconds = watch.Elapsed.TotalSeconds;
        return samples;
    }

    /// <summary>
    /// Open loop: call n is due at start + n / rate whether or not earlier calls have returned, and its latency counts from
    /// that intended instant, so a stalled server shows as latency instead of silently lowering the rate (no coordinated
    /// omission). Calls still running <paramref name="drain"/> after the last send are counted as DeadlineExceeded.
    /// </summary>
    public static async Task<Samples> OpenAsync(double rate, TimeSpan duration, TimeSpan drain, Func<long, CancellationToken, Task> call)
    {
        var samples = new Samples();
        var running = new List<Task>();
        using var stop = new CancellationTokenSource();
        var watch = Stopwatch.StartNew();
        var total = (long)(rate * duration.TotalSeconds);
        for (long n = 0; n < total; n++)
        {
            var intended = TimeSpan.FromSeconds(n / rate);
            var wait = intended - watch.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
                await Task.Delay(wait);
            var number = n;
            running.Add(Task.Run(async () =>
            {
                try
                {
                    await call(number, stop.Token);
                    samples.Add((watch.Elapsed - intended).TotalMilliseconds);
                }
                catch (Exception e) when (e is RpcException or OperationCanceledException or Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    samples.Fail(e);
                }
            }));
        }
        var sent = watch.Elapsed;
        var all = Task.WhenAll(running);
        if (await Task.WhenAny(all, Task.Delay(drain)) != all)
            await stop.CancelAsync();
        await all;
        samples.Seconds = sent.TotalSeconds;
        return samples;
    }
}
