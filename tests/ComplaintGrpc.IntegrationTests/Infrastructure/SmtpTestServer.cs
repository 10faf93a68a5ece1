using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using MimeKit;

namespace ComplaintGrpc.IntegrationTests.Infrastructure;

/// <summary>
/// A real SMTP server for e-mail tests: Debian's aiosmtpd (package python3-aiosmtpd, which ops/test.sh installs),
/// started as a process on a free loopback port with its Mailbox handler, which writes every accepted message into a
/// maildir (adding X-MailFrom and X-RcptTo headers with the envelope). One per test class (xUnit class fixture).
/// If it cannot start, every test using it fails with the reason; none is skipped.
/// </summary>
public sealed class SmtpTestServer : IAsyncLifetime
{
    // Debian's interpreter, not whatever `python3` is first on PATH: the package installs the module for this one only
    // (a pyenv or venv python3 earlier on PATH would not find it).
    private const string Python = "/usr/bin/python3";

    private readonly StringBuilder _output = new();
    private Process? _process;

    public int Port { get; } = FreePort.Next();
    public string MailDir { get; } = Path.Combine(Path.GetTempPath(), "smtp-test-" + Guid.NewGuid().ToString("N"));

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(Python))
            throw new InvalidOperationException($"{Python} is missing; install python3-aiosmtpd (ops/test.sh does).");
        var start = new ProcessStartInfo(Python, ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port}", "-c", "aiosmtpd.handlers.Mailbox", MailDir])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start aiosmtpd.");
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        await Poll.UntilAsync(async () =>
        {
            if (_process.HasExited)
                throw new InvalidOperationException(
                    $"aiosmtpd exited with {_process.ExitCode} before listening (is python3-aiosmtpd installed? ops/test.sh installs it):\n{Output}");
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync("127.0.0.1", Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, up => up, TimeSpan.FromSeconds(20), $"aiosmtpd to listen on port {Port}");
    }

    /// <summary>Every message accepted so far, parsed.</summary>
    public IReadOnlyList<MimeMessage> Messages()
    {
        var files = new[] { "new", "cur" }.Select(d => Path.Combine(MailDir, d)).Where(Directory.Exists)
            .SelectMany(Directory.EnumerateFiles);
        // The Mailbox handler writes into tmp/ and renames into new/, so a file seen here is complete.
        return files.Select(f => MimeMessage.Load(f)).ToList();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        if (Directory.Exists(MailDir))
            Directory.Delete(MailDir, recursive: true);
    }
}
