using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ComplaintGrpc.IntegrationTests.Infrastructure;

namespace ComplaintGrpc.IntegrationTests.Reports;

/// <summary>
/// Debian's Chromium, headless, driven over the DevTools protocol on its browser WebSocket (no npm, no downloaded
/// browser). Each instance has a fresh user-data folder and is killed on dispose. If Chromium is missing or does not
/// start, this throws: the browser tests fail, they are never skipped (ops/test.sh installs the package).
/// </summary>
public sealed partial class HeadlessChromium : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private HeadlessChromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public static async Task<HeadlessChromium> StartAsync()
    {
        if (!File.Exists(Executable))
            throw new FileNotFoundException("Chromium is not installed (Debian package 'chromium'; ops/test.sh installs it).", Executable);
        var profile = Directory.CreateTempSubdirectory("report-chromium-").FullName;
        var start = new ProcessStartInfo(Executable,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-dev-shm-usage", $"--user-data-dir={profile}", "--remote-debugging-port=0", "about:blank",
        ])
        { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Chromium did not start.");
        var browser = new HeadlessChromium(process, profile);
        var endpoint = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (stderr) stderr.AppendLine(e.Data);
            if (DevToolsLine().Match(e.Data) is { Success: true } m)
                endpoint.TrySetResult(m.Groups[1].Value);
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var done = await Task.WhenAny(endpoint.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30)));
        if (done != endpoint.Task)
        {
            await browser.DisposeAsync();
            lock (stderr) throw new InvalidOperationException("Chromium did not open its DevTools endpoint:\n" + stderr);
        }
        await browser._socket.ConnectAsync(new Uri(endpoint.Task.Result), CancellationToken.None);
        return browser;
    }

    /// <summary>Opens <paramref name="url"/> in a new page of the given size and waits until it has loaded.</summary>
    public async Task<string> OpenAsync(string url, int width, int height)
    {
        var target = await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" });
        var session = (await SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target["targetId"]!.GetValue<string>(), ["flatten"] = true }))["sessionId"]!.GetValue<string>();
        await SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = false }, session);
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url }, session);
        await Poll.UntilAsync(() => EvaluateAsync<string>(session, "document.readyState"), state => state == "complete",
            TimeSpan.FromSeconds(20), $"{url} to finish loading");
        return session;
    }

    public async Task<T> EvaluateAsync<T>(string session, string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true }, session);
        if (result["exceptionDetails"] is { } error)
            throw new InvalidOperationException($"{expression} threw: {error}");
        return result["result"]!["value"]!.Deserialize<T>()!;
    }

    public async Task<byte[]> ScreenshotAsync(string session)
    {
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true }, session);
        return Convert.FromBase64String(shot["data"]!.GetValue<string>());
    }

    private async Task<JsonNode> SendAsync(string method, JsonObject parameters, string? session = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        if (session is not null)
            message["sessionId"] = session;
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var reply = JsonNode.Parse(await ReceiveAsync(timeout.Token))!;
            if (reply["id"]?.GetValue<int>() != id)
                continue; // an event, or another call's answer
            if (reply["error"] is { } error)
                throw new InvalidOperationException($"DevTools {method} failed: {error}");
            return reply["result"]!;
        }
    }

    private async Task<string> ReceiveAsync(CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var part = await _socket.ReceiveAsync(buffer, ct);
            message.Write(buffer, 0, part.Count);
            if (part.EndOfMessage)
                return Encoding.UTF8.GetString(message.ToArray());
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A profile file still held by a dying child process; the temp folder is cleaned by the OS.
        }
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();
}
