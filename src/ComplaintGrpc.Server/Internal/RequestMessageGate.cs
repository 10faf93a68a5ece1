using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using ComplaintGrpc.Domain;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace ComplaintGrpc.Server.Internal;

/// <summary>
/// Reads the request of every unary and server-streaming gRPC call before Grpc.AspNetCore does, and answers a request
/// that is not one well-formed message of the method's input type itself, trailers-only: INVALID_ARGUMENT (with an
/// ErrorInfo reason and, where a field can be named, a BadRequest violation), or RESOURCE_EXHAUSTED when the message
/// is over <see cref="GrpcServiceOptions.MaxReceiveMessageSize"/>. Grpc.AspNetCore itself answers an unparsable
/// message UNKNOWN ("Exception was thrown by handler", logged as an error) and a broken frame INTERNAL; both mean
/// "the server is broken" to callers and alerts, while the fault is the caller's. Interceptors cannot help: the
/// message is parsed before the interceptor pipeline runs.
/// </summary>
/// <remarks>
/// Guarantee: a handler only ever sees a request that is exactly one message within the size limit, parsed without
/// error (so every string is valid UTF-8) and meeting <see cref="RequestMessageRules"/> (no control characters but tab
/// and line breaks, timestamps within the service's range). A request breaking those rules is refused with every such
/// field named, before the service's own field checks run. The body is read into Kestrel's request pipe and left there
/// unconsumed, so Grpc.AspNetCore reads the same bytes without a copy. Client- and bidirectional-streaming methods (none
/// in complaints.v1; gRPC reflection) pass untouched. Runs after authentication and authorization, so anonymous callers
/// learn nothing about what would parse.
/// </remarks>
internal sealed partial class RequestMessageGate(RequestDelegate next, IOptions<GrpcServiceOptions> grpcOptions, ILogger<RequestMessageGate> logger)
{
    private const int PrefixLength = 5;
    private const string GrpcEncodingHeader = "grpc-encoding";
    private const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    private readonly ConcurrentDictionary<IMethod, MessageDescriptor?> _inputTypes = new();

    public async Task InvokeAsync(HttpContext context)
    {
        var method = context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method;
        if (method is null || method.Type is not (MethodType.Unary or MethodType.ServerStreaming)
            || !IsProtobufGrpc(context.Request.ContentType) || _inputTypes.GetOrAdd(method, InputTypeOf) is not { } input)
        {
            await next(context);
            return;
        }

        DomainException? problem;
        try
        {
            problem = await InspectAsync(context, input);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The caller went away while sending; there is no one left to answer.
            return;
        }

        if (problem is null)
        {
            await next(context);
            return;
        }

        var rpc = ErrorMappingInterceptor.ToRpc(problem);
        Log.Rejected(logger, method.FullName, rpc.StatusCode, problem.Reason, problem.Message);
        WriteTrailersOnly(context.Response, rpc);
    }

    /// <summary>Reads the whole request body (at most one prefix and one message within the limit) and returns what is
    /// wrong with it, or null when it is one well-formed message. The bytes stay unconsumed in the request pipe.</summary>
    private async Task<DomainException?> InspectAsync(HttpContext context, MessageDescriptor input)
    {
        var options = grpcOptions.Value;
        var maxSize = options.MaxReceiveMessageSize ?? DefaultMaxReceiveMessageSize;
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            var buffer = result.Buffer;
            try
            {
                if (buffer.Length >= PrefixLength)
                {
                    var declared = DeclaredLength(buffer);
                    if (declared > (uint)maxSize)
                        return TooLarge(declared, maxSize);
                    if (buffer.Length > PrefixLength + declared)
                        return Malformed("MALFORMED_FRAME", $"The request carries {buffer.Length - PrefixLength - declared} bytes after its one message.");
                }
                if (result.IsCompleted || result.IsCanceled)
                    return result.IsCanceled ? null : InspectFrame(context.Request, buffer, input, options, maxSize);
            }
            finally
            {
                // Examined everything, consumed nothing: the next read waits for more, and Grpc.AspNetCore later reads
                // the same bytes (the body has ended by then, so its first read returns at once).
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    private static DomainException? InspectFrame(HttpRequest request, ReadOnlySequence<byte> body, MessageDescriptor input, GrpcServiceOptions options, int maxSize)
    {
        if (body.Length == 0)
            return Malformed("MALFORMED_FRAME", "The request has no message.");
        if (body.Length < PrefixLength)
            return Malformed("MALFORMED_FRAME", $"The request ends within the {PrefixLength}-byte message prefix.");
        var flag = body.FirstSpan[0];
        var declared = DeclaredLength(body);
        if (body.Length < PrefixLength + declared)
            return Malformed("MALFORMED_FRAME", $"The message prefix declares {declared} bytes but only {body.Length - PrefixLength} follow.");
        var message = body.Slice(PrefixLength);

        switch (flag)
        {
            case 0:
                break;
            case 1:
                var encoding = request.Headers[GrpcEncodingHeader].ToString();
                if (encoding.Length == 0 || encoding == "identity")
                    return Malformed("MALFORMED_FRAME", "The message is flagged compressed but the request names no grpc-encoding.");
                var provider = options.CompressionProviders.FirstOrDefault(p => p.EncodingName == encoding);
                if (provider is null)
                    return null; // Grpc.AspNetCore answers UNIMPLEMENTED with the encodings it supports, as the gRPC spec asks.
                if (Decompress(message, provider, maxSize, out var inflated) is { } problem)
                    return problem;
                message = new ReadOnlySequence<byte>(inflated);
                break;
            default:
                return Malformed("MALFORMED_FRAME", $"The message prefix has compressed flag {flag}; only 0 and 1 exist.");
        }

        IMessage parsed;
        try
        {
            parsed = input.Parser.ParseFrom(message);
        }
        catch (InvalidProtocolBufferException e)
        {
            var field = RequestMessageRules.LocateFault(message.ToArray(), input);
            return new DomainException(ErrorKind.InvalidArgument, "MALFORMED_MESSAGE", $"The request is not a valid {input.FullName}: {e.Message}",
                field is null ? null : [new FieldViolation(field, $"cannot be read: {e.Message}")]);
        }
        return RequestMessageRules.Check(parsed) is { Count: > 0 } violations ? DomainException.Invalid(violations) : null;
    }

    private static DomainException? Decompress(ReadOnlySequence<byte> compressed, Grpc.Net.Compression.ICompressionProvider provider, int maxSize, out byte[] inflated)
    {
        inflated = [];
        try
        {
            using var source = provider.CreateDecompressionStream(new MemoryStream(compressed.ToArray(), writable: false));
            using var target = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = source.Read(chunk)) > 0)
            {
                if (target.Length + read > maxSize)
                    return TooLarge((uint)Math.Min(target.Length + read, uint.MaxValue), maxSize, decompressed: true);
                target.Write(chunk, 0, read);
            }
            inflated = target.ToArray();
            return null;
        }
        catch (InvalidDataException)
        {
            return Malformed("MALFORMED_FRAME", $"The message is not valid {provider.EncodingName} data.");
        }
    }

    private static uint DeclaredLength(ReadOnlySequence<byte> buffer)
    {
        Span<byte> prefix = stackalloc byte[PrefixLength];
        buffer.Slice(0, PrefixLength).CopyTo(prefix);
        return BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);
    }

    private static DomainException Malformed(string reason, string message) => new(ErrorKind.InvalidArgument, reason, message);

    private static DomainException TooLarge(uint size, int maxSize, bool decompressed = false) =>
        new(ErrorKind.ResourceExhausted, "MESSAGE_TOO_LARGE",
            decompressed
                ? $"The request message inflates to more than {maxSize} bytes, the most this server accepts."
                : $"The request message is {size} bytes; this server accepts at most {maxSize}.",
            metadata: new Dictionary<string, string> { ["max_message_bytes"] = maxSize.ToString(CultureInfo.InvariantCulture) });

    private static bool IsProtobufGrpc(string? contentType) =>
        contentType is not null
        && (contentType.Equals("application/grpc", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/grpc;", StringComparison.OrdinalIgnoreCase)
            || contentType.StartsWith("application/grpc+proto", StringComparison.OrdinalIgnoreCase));

    /// <summary>The protobuf descriptor of a method's request type (a generated message has a static Descriptor).</summary>
    private static MessageDescriptor? InputTypeOf(IMethod method) =>
        method.GetType() is { IsGenericType: true } type
            ? type.GetGenericArguments()[0].GetProperty("Descriptor", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)?.GetValue(null) as MessageDescriptor
            : null;

    /// <summary>A trailers-only response: HTTP 200 whose one HEADERS frame carries the gRPC status and ends the stream.</summary>
    private static void WriteTrailersOnly(HttpResponse response, RpcException rpc)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)rpc.StatusCode).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(rpc.Status.Detail);
        foreach (var entry in rpc.Trailers)
            response.Headers[entry.Key] = entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value;
    }

    /// <summary>grpc-message encoding (gRPC over HTTP/2): UTF-8, with bytes outside printable ASCII and '%' as %XX.</summary>
    private static string PercentEncode(string text)
    {
        var encoded = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
                encoded.Append((char)b);
            else
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return encoded.ToString();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1100, Level = LogLevel.Information, Message = "Rejected a request to {Method} before it reached the service: {Status} {Reason}: {Problem}")]
        public static partial void Rejected(ILogger logger, string method, StatusCode status, string reason, string problem);
    }
}

internal static class RequestMessageGateExtensions
{
    /// <summary>Puts <see cref="RequestMessageGate"/> in the pipeline; call after authorization, before the endpoints run.</summary>
    public static IApplicationBuilder UseRequestMessageGate(this IApplicationBuilder app) => app.UseMiddleware<RequestMessageGate>();
}
