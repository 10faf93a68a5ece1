using System.CommandLine;
using Grpc.Core;
using Grpc.Net.Client;

namespace ComplaintGrpc.Ctl;

/// <summary>
/// The <c>--server</c> and <c>--token</c> options of every command that calls the server, and the channel they make:
/// cleartext HTTP/2 (h2c) for an <c>http://</c> address, TLS for <c>https://</c>, the token sent as
/// <c>authorization: Bearer</c> on every call, as ops/client does.
/// </summary>
public sealed class Connection
{
    public const string ServerVariable = "COMPLAINTCTL_SERVER";
    public const string TokenVariable = "COMPLAINTCTL_TOKEN";

    public Option<Uri> Server { get; } = new("--server")
    {
        Description = $"The gRPC address of the server (default: ${ServerVariable}, else http://127.0.0.1:5080)",
        DefaultValueFactory = _ => new Uri(Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } s ? s : "http://127.0.0.1:5080"),
        CustomParser = r => Uri.TryCreate(r.Tokens[0].Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : Fail<Uri>(r, $"--server must be an http:// or https:// address, e.g. http://127.0.0.1:5080; got '{r.Tokens[0].Value}'"),
    };

    /// <summary>No default value: help would print it, and a token is a secret; the variable is read in <see cref="Open"/>.</summary>
    public Option<string> Token { get; } = new("--token")
    {
        Description = $"Bearer token (default: ${TokenVariable}); mint a development one with `complaintctl mint-token`",
    };

    public Command AddTo(Command command)
    {
        command.Options.Add(Server);
        command.Options.Add(Token);
        return command;
    }

    /// <summary>The channel for a parsed command line, or null (with the reason on standard error) without a token.</summary>
    public GrpcChannel? Open(ParseResult parse)
    {
        var token = parse.GetValue(Token) ?? Environment.GetEnvironmentVariable(TokenVariable);
        if (string.IsNullOrWhiteSpace(token))
        {
            Console.Error.WriteLine($"error: no token; pass --token or set {TokenVariable} (a development token: complaintctl mint-token --sub me --role admin)");
            return null;
        }
        var server = parse.GetValue(Server)!;
        var credentials = CallCredentials.FromInterceptor((_, metadata) =>
        {
            metadata.Add("authorization", $"Bearer {token}");
            return Task.CompletedTask;
        });
        return GrpcChannel.ForAddress(server, new GrpcChannelOptions
        {
            Credentials = ChannelCredentials.Create(server.Scheme == "https" ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure, credentials),
            // The development server is h2c on loopback; a token over cleartext is the operator's choice of address.
            UnsafeUseInsecureChannelCallCredentials = true,
        });
    }

    private static T Fail<T>(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }
}
