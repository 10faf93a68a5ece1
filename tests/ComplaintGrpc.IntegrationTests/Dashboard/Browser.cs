using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace ComplaintGrpc.IntegrationTests.Dashboard;

/// <summary>
/// Runs browser/dashboard.mjs (playwright-core driving Debian's /usr/bin/chromium) and returns the JSON it prints.
/// Needs node on PATH, the chromium package and `npm ci` in browser/ (ops/test.sh does both); without them the tests
/// fail with the reason, never skip. Screenshots go to .local/test-results/dashboard/.
/// </summary>
public static class Browser
{
    public const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(60);
    private static readonly Lazy<(string Script, string Shots)> Paths = new(Find);

    private static (string, string) Find()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ComplaintGrpc.sln")))
            root = root.Parent;
        if (root is null)
            throw new InvalidOperationException($"Cannot find the repository root (the folder holding ComplaintGrpc.sln) above {AppContext.BaseDirectory}.");
        var folder = Path.Combine(root.FullName, "tests", "ComplaintGrpc.IntegrationTests", "Dashboard", "browser");
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "playwright-core")))
            throw new InvalidOperationException($"{folder}/node_modules/playwright-core is missing: run `npm ci --prefix {folder}` (ops/test.sh does).");
        if (!File.Exists(Chromium))
            throw new InvalidOperationException($"{Chromium} is missing: `apt-get install chromium` (ops/test.sh does).");
        return (Path.Combine(folder, "dashboard.mjs"), Path.Combine(root.FullName, ".local", "test-results", "dashboard"));
    }

    /// <summary>Runs one scenario; <paramref name="password"/> travels in an environment variable, not the command line.</summary>
    public static async Task<JsonElement> RunAsync(ITestOutputHelper output, string scenario, Uri adminBase, string? user = null, string? password = null,
        params string[] extra)
    {
        var (script, shots) = Paths.Value;
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(script)!,
        };
        foreach (var arg in new[] { script, scenario, "--base", adminBase.ToString().TrimEnd('/'), "--shots", shots, "--chromium", Chromium })
            start.ArgumentList.Add(arg);
        if (user is not null)
        {
            start.ArgumentList.Add("--user");
            start.ArgumentList.Add(user);
            start.ArgumentList.Add("--password-env");
            start.ArgumentList.Add("DASHBOARD_PASSWORD");
            start.Environment["DASHBOARD_PASSWORD"] = password;
        }
        foreach (var arg in extra)
            start.ArgumentList.Add(arg);

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(RunTimeout))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"dashboard.mjs {scenario} did not finish in {RunTimeout.TotalSeconds} s:\n{await stderr}");
            }
        }
        var (text, errors) = (await stdout, await stderr);
        output.WriteLine($"dashboard.mjs {scenario}: exit {process.ExitCode} in {clock.ElapsedMilliseconds} ms");
        if (errors.Length > 0)
            output.WriteLine(errors);
        if (process.ExitCode != 0)
            throw new Xunit.Sdk.XunitException($"dashboard.mjs {scenario} failed (exit {process.ExitCode}; 3 means Chromium did not start):\n{errors}\n{text}");
        output.WriteLine(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static IReadOnlyList<string> Buttons(JsonElement page) => [.. page.GetProperty("buttons").EnumerateArray().Select(b => b.GetString()!)];
}
