using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace ComplaintGrpc.IntegrationTests.Ctl;

/// <summary>What one run of complaintctl did: its exit code and both output streams.</summary>
public sealed record CtlRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";

    /// <summary>The value of a "name  value" line of <c>show</c>/<c>submit</c>.</summary>
    public string Field(string name) =>
        Stdout.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal))?[name.Length..].Trim()
        ?? throw new Xunit.Sdk.XunitException($"no '{name}' line in:\n{this}");
}

/// <summary>Runs the built complaintctl (<c>dotnet complaintctl.dll</c>) as a separate process, as an operator does.</summary>
public static class ComplaintCtl
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(120);

    private static readonly Lazy<string> Tool = new(FindTool);

    /// <summary>The tool as built: src/ComplaintGrpc.Ctl/bin/CONFIGURATION/TFM/complaintctl.dll, of this test build's configuration.</summary>
    private static string FindTool()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var (framework, configuration) = (folder.Name, folder.Parent!.Name);
        var root = folder;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ComplaintGrpc.sln")))
            root = root.Parent;
        if (root is null)
            throw new InvalidOperationException($"Cannot find the repository root (the folder holding ComplaintGrpc.sln) above {AppContext.BaseDirectory}.");
        var tool = Path.Combine(root.FullName, "src", "ComplaintGrpc.Ctl", "bin", configuration, framework, "complaintctl.dll");
        return File.Exists(tool) ? tool : throw new FileNotFoundException($"complaintctl is not built; dotnet build -c {configuration} first.", tool);
    }

    /// <summary>Runs <c>complaintctl ARGS</c> with only the given environment settings of the tool (none inherited).</summary>
    public static async Task<CtlRun> RunAsync(ITestOutputHelper output, string[] args, IReadOnlyDictionary<string, string>? environment = null, string? input = null)
    {
        var assembly = Tool.Value;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(assembly);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        foreach (var inherited in new[] { "COMPLAINTCTL_SERVER", "COMPLAINTCTL_TOKEN", "Auth__SigningKey", "Auth__SigningKeyFile", "Auth__Issuer", "Auth__Audience" })
            start.Environment.Remove(inherited);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
            await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(ProcessTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"complaintctl {string.Join(' ', args)} ran over {ProcessTimeout}:\n{await stdout}\n{await stderr}");
        }
        var run = new CtlRun(process.ExitCode, await stdout, await stderr);
        output.WriteLine($"$ complaintctl {string.Join(' ', args)}\n{run}");
        return run;
    }
}
