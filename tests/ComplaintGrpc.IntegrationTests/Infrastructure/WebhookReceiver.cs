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
/// request, in order.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Status, TimeSpan Delay)> _script = new();
    private readonly ConcurrentQueue<Request> _requests = new();

    /// <summary>One request as received, and the status it was answered with.</summary>
    public sealed record Request(string Method, string Path, string? ContentType, string? NotificationId, string? Signature, byte[] Body, int AnsweredWith);

    private WebhookReceiver(WebApplication app)
    {
        _app = app;
    }

    public string Url { get; private set; } = "";

    public IReadOnlyList<Request> Requests => _requests.ToArray();

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
        _requests.Enqueue(new Request(context.Request.Method, context.Request.Path, context.Request.ContentType,
            context.Request.Headers["X-Complaints-Notification-Id"].SingleOrDefault(),
            context.Request.Headers["X-Complaints-Signature"].SingleOrDefault(), body.ToArray(), status));
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
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
