using Grpc.Core;

namespace ComplaintGrpc.Server.Tests;

/// <summary>
/// A <see cref="ServerCallContext"/> for calling interceptors directly: a method name, a deadline and a cancellation
/// token, nothing else. (Grpc.Core.Testing's TestServerCallContext would bring the retired native Grpc.Core along.)
/// </summary>
public sealed class TestCallContext(string method = "/complaints.v1.ComplaintService/GetComplaint", DateTime? deadline = null,
    CancellationToken cancellationToken = default) : ServerCallContext
{
    protected override string MethodCore => method;
    protected override string HostCore => "localhost";
    protected override string PeerCore => "ipv4:127.0.0.1:50000";
    protected override DateTime DeadlineCore => deadline ?? DateTime.MaxValue;
    protected override Metadata RequestHeadersCore { get; } = [];
    protected override CancellationToken CancellationTokenCore => cancellationToken;
    protected override Metadata ResponseTrailersCore { get; } = [];
    protected override Status StatusCore { get; set; }
    protected override WriteOptions? WriteOptionsCore { get; set; }
    protected override AuthContext AuthContextCore { get; } = new(null, []);

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
