using System.Text;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace ComplaintGrpc.Server.Internal;

/// <summary>
/// Keeps every error status the server sends to a few KiB. A status travels in HTTP/2 trailers, and clients cap their
/// size (.NET at 64 KiB, grpc-java at 8 KiB by default); over the cap the .NET client does not just fail the call, it
/// tears down the whole connection with every call on it. Error texts can echo what the caller sent (an id looked up
/// and not found) and a request can break a rule thousands of times (a list filter of 5,000 unknown values), so the
/// status is bounded here, once, outermost: the message, each violation and each metadata value to a few hundred bytes
/// of UTF-8 (cut at a character boundary, marked with "…"), and at most <see cref="MaxViolations"/> violations plus
/// one saying how many more there were. Statuses within the bounds pass unchanged.
/// </summary>
internal sealed partial class StatusSizeLimit(ILogger<StatusSizeLimit> logger) : Interceptor
{
    public const int MaxMessageBytes = 512;
    public const int MaxTextBytes = 256;
    public const int MaxViolations = 10;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (RpcException e) when (Bounded(e, context) is { } bounded)
        {
            throw bounded;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (RpcException e) when (Bounded(e, context) is { } bounded)
        {
            throw bounded;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (RpcException e) when (Bounded(e, context) is { } bounded)
        {
            throw bounded;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (RpcException e) when (Bounded(e, context) is { } bounded)
        {
            throw bounded;
        }
    }

    /// <summary>A smaller copy of <paramref name="e"/>, or null when it is already within the bounds.</summary>
    private RpcException? Bounded(RpcException e, ServerCallContext context)
    {
        var details = e.GetRpcStatus();
        var changed = Utf8Length(e.Status.Detail) > MaxMessageBytes;
        if (details is not null)
        {
            details.Message = Cut(details.Message, MaxMessageBytes, ref changed);
            foreach (var any in details.Details)
            {
                if (any.TryUnpack(out BadRequest badRequest))
                {
                    var violations = badRequest.FieldViolations;
                    if (violations.Count > MaxViolations)
                    {
                        var more = violations.Count - MaxViolations;
                        while (violations.Count > MaxViolations)
                            violations.RemoveAt(violations.Count - 1);
                        violations.Add(new BadRequest.Types.FieldViolation { Field = "", Description = $"and {more} more violations not listed" });
                        changed = true;
                    }
                    foreach (var v in violations)
                    {
                        v.Field = Cut(v.Field, MaxTextBytes, ref changed);
                        v.Description = Cut(v.Description, MaxTextBytes, ref changed);
                    }
                    any.Value = badRequest.ToByteString();
                }
                else if (any.TryUnpack(out ErrorInfo info))
                {
                    foreach (var key in info.Metadata.Keys.ToList())
                        info.Metadata[key] = Cut(info.Metadata[key], MaxTextBytes, ref changed);
                    any.Value = info.ToByteString();
                }
            }
        }
        if (!changed)
            return null;

        Log.StatusTrimmed(logger, context.Method, e.StatusCode);
        var detail = Cut(e.Status.Detail, MaxMessageBytes, ref changed);
        if (details is null)
            return new RpcException(new Grpc.Core.Status(e.StatusCode, detail), e.Trailers);
        details.Message = detail;
        var bounded = details.ToRpcException();
        foreach (var entry in e.Trailers.Where(t => t.Key != MetadataExtensions.StatusDetailsTrailerName))
            bounded.Trailers.Add(entry);
        return bounded;
    }

    private static int Utf8Length(string text) => Encoding.UTF8.GetByteCount(text);

    /// <summary><paramref name="text"/> cut to at most <paramref name="maxBytes"/> bytes of UTF-8, never inside a character.</summary>
    private static string Cut(string text, int maxBytes, ref bool changed)
    {
        if (Utf8Length(text) <= maxBytes)
            return text;
        changed = true;
        var cut = new StringBuilder();
        var budget = maxBytes - Utf8Length("…");
        foreach (var rune in text.EnumerateRunes())
        {
            if ((budget -= rune.Utf8SequenceLength) < 0)
                break;
            cut.Append(rune.ToString());
        }
        return cut.Append('…').ToString();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1110, Level = LogLevel.Debug, Message = "Cut down an oversized {Status} status of {Method} to fit the status size limits")]
        public static partial void StatusTrimmed(ILogger logger, string method, StatusCode status);
    }
}
