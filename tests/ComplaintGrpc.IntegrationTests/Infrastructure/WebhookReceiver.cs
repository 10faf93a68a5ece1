using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ComplaintGrpc.IntegrationTests.Infrastructure;

/// <summary>
/// A real HTTP endpoint for webhook tests: Kestrel on a loopback port the OS picks, keeping every request's headers
/// and exact body bytes. It answers 200 unless told otherwise with <see cref="AnswerNext"/>, one scripted answer per
/// request, in order. <see cref="Hold"/> makes it a hung endpoint: requests get no answer until <see cref="Release"/>.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Status, TimeSpan Delay)> _script = new();
    private readonly ConcurrentQueue<Request> _requests = new();
    private readonly ConcurrentQueue<Request> _answered = new();
    private volatile TaskCompletionSource _gate = Released();

    /// <summary>One request as received, and the status it was answered with.</summary>
    public sealed record Request(string Method, string Path, string? ContentType, string? NotificationId, string? Signature, byte[] Body, int AnsweredWith);

    private WebhookReceiver(WebApplication app)
    {
        _app = app;
    }

    public string Url { get; private set; } = "";

    public IReadOnlyList<Request> Requests => _requests.ToArray();

    /// <summary>The requests whose answer was written, not abandoned by the sender first.</summary>
    public IReadOnlyList<Request> Answered => _answered.ToArray();

    /// <summary>From now on, requests wait without an answer until <see cref="Release"/> (or until the sender gives up).</summary>
    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Lets held requests, and those to come, be answered.</summary>
    public void Release() => _gate.TrySetResult();

    private static TaskCompletionSource Released()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        released.SetResult();
        return released;
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        // The empty builder reads no appsettings.json (the test folder holds the server's), so only what is set here applies.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Url = address.TrimEnd('/') + "/hooks/complaints";
        return receiver;
    }

    /// <summary>Answers the next request not yet scripted with this status, after this delay.</summary>
    public void AnswerNext(int status, TimeSpan? delay = null) => _script.Enqueue((status, delay ?? TimeSpan.Zero));

    private async Task HandleAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var (status, delay) = _script.TryDequeue(out var next) ? next : (200, TimeSpan.Zero);
        var request = new Request(context.Request.Method, context.Request.Path, context.Request.ContentType,
            context.Request.Headers["X-Complaints-Notification-Id"].SingleOrDefault(),
            context.Request.Headers["X-Complaints-Signature"].SingleOrDefault(), body.ToArray(), status);
        _requests.Enqueue(request);
        try
        {
            await _gate.Task.WaitAsync(context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (delay > TimeSpan.Zero)
        {
            // A slow receiver: the sender gives up first. Ending early when it does keeps shutdown quick.
            try
            {
                await Task.Delay(delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
        context.Response.StatusCode = status;
        await context.Response.CompleteAsync();
        if (!context.RequestAborted.IsCancellationRequested)
            _answered.Enqueue(request);
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
