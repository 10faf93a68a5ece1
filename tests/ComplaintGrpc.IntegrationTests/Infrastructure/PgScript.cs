namespace ComplaintGrpc.IntegrationTests.Infrastructure;

/// <summary><c>ops/pg.sh</c> run to completion, for tests that manage a cluster of their own.</summary>
public static class PgScript
{
    public static async Task<(int Status, string Output)> RunAsync(params string[] arguments)
    {
        await using var script = HostProcess.StartScript("ops/pg.sh", arguments, new Dictionary<string, string?>());
        var status = await script.WaitForExitAsync(TimeSpan.FromMinutes(5));
        return (status, script.Output);
    }

    /// <summary>Whether a process with this id is alive (signal 0 answered).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The postmaster's pid from a data directory's postmaster.pid (first line); null when there is none.</summary>
    public static int? PostmasterPid(string dataDirectory)
    {
        var file = Path.Combine(dataDirectory, "postmaster.pid");
        try
        {
            return File.Exists(file) && int.TryParse(File.ReadLines(file).FirstOrDefault(), out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
