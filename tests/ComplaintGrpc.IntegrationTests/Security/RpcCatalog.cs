using System.Reflection;
using ComplaintGrpc.Contracts.V1;
using Google.Protobuf.Reflection;
using Grpc.Core;

namespace ComplaintGrpc.IntegrationTests.Security;

/// <summary>
/// Every RPC of every complaints.v1 service, found from the generated service descriptors in the contract assembly,
/// so an RPC or a service added to the protos is fuzzed without touching the tests. Calls go through a pass-through
/// byte[] marshaller: the client sends exactly the bytes it is given and never parses an answer.
/// </summary>
public static class RpcCatalog
{
    public static IReadOnlyList<MethodDescriptor> All { get; } = typeof(ComplaintService).Assembly.GetTypes()
        .Select(t => t.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static))
        .Where(p => p?.PropertyType == typeof(ServiceDescriptor))
        .Select(p => (ServiceDescriptor)p!.GetValue(null)!)
        .Where(s => s.File.Package == "complaints.v1")
        .SelectMany(s => s.Methods)
        .OrderBy(m => m.FullName, StringComparer.Ordinal)
        .ToList();

    private static readonly Marshaller<byte[]> PassThrough = Marshallers.Create(b => b, b => b);

    public static Method<byte[], byte[]> RawMethod(MethodDescriptor m) => new(
        (m.IsClientStreaming, m.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            (true, true) => MethodType.DuplexStreaming,
        },
        m.Service.FullName, m.Name, PassThrough, PassThrough);

    /// <summary>
    /// Sends <paramref name="request"/> as the one request message and returns the first response message (null when
    /// the call ended without one) or throws the call's <see cref="RpcException"/>. A server stream is only read up to
    /// its first message: a live stream that sends nothing ends by <paramref name="deadline"/> (DEADLINE_EXCEEDED).
    /// </summary>
    public static async Task<byte[]?> CallAsync(CallInvoker invoker, Method<byte[], byte[]> method, byte[] request, DateTime deadline)
    {
        var options = new CallOptions(deadline: deadline);
        switch (method.Type)
        {
            case MethodType.Unary:
                return await invoker.AsyncUnaryCall(method, null, options, request);
            case MethodType.ServerStreaming:
            {
                using var call = invoker.AsyncServerStreamingCall(method, null, options, request);
                return await call.ResponseStream.MoveNext() ? call.ResponseStream.Current : null;
            }
            case MethodType.ClientStreaming:
            {
                using var call = invoker.AsyncClientStreamingCall(method, null, options);
                await call.RequestStream.WriteAsync(request);
                await call.RequestStream.CompleteAsync();
                return await call.ResponseAsync;
            }
            default:
            {
                using var call = invoker.AsyncDuplexStreamingCall(method, null, options);
                await call.RequestStream.WriteAsync(request);
                await call.RequestStream.CompleteAsync();
                return await call.ResponseStream.MoveNext() ? call.ResponseStream.Current : null;
            }
        }
    }
}
