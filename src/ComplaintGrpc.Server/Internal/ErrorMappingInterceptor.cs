using ComplaintGrpc.Domain;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Npgsql;
using Status = Google.Rpc.Status;

namespace ComplaintGrpc.Server.Internal;

/// <summary>
/// The one place where failures become gRPC statuses. Domain errors carry google.rpc details (BadRequest for bad
/// fields, ErrorInfo with a stable reason otherwise); the caller's cancellation or deadline ends as CANCELLED or
/// DEADLINE_EXCEEDED; anything unexpected is logged and answered INTERNAL without internals in the message.
/// </summary>
public sealed class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : Interceptor
{
    public const string ErrorDomain = "complaints.v1";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
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
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    private RpcException Map(Exception ex, ServerCallContext context)
    {
        switch (ex)
        {
            case DomainException d:
                return ToRpc(d);
            // Two transactions collided (deadlock or serialization failure); PostgreSQL rolled this one back whole.
            case PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure }:
                return ToRpc(new DomainException(ErrorKind.Aborted, "CONCURRENT_CHANGE", "Another change to the same case was being made at the same moment; nothing was stored. Retry.",
                    metadata: new Dictionary<string, string> { [ErrorMetadata.RetryAfterMilliseconds] = "100" }));
            case OperationCanceledException or NpgsqlException { InnerException: OperationCanceledException } or InvalidOperationException
                when context.CancellationToken.IsCancellationRequested:
                var expired = context.Deadline <= DateTime.UtcNow;
                return new RpcException(new Grpc.Core.Status(expired ? StatusCode.DeadlineExceeded : StatusCode.Cancelled,
                    expired ? "The call's deadline passed." : "The call was cancelled."));
            default:
                ServerLog.UnhandledError(logger, context.Method, ex);
                return new Status { Code = (int)Code.Internal, Message = "Internal error; it has been logged." }.ToRpcException();
        }
    }

    public static RpcException ToRpc(DomainException d)
    {
        var status = new Status { Code = (int)CodeOf(d.Kind), Message = d.Message };
        if (d.Violations.Count > 0)
        {
            var badRequest = new BadRequest();
            badRequest.FieldViolations.AddRange(d.Violations.Select(v => new BadRequest.Types.FieldViolation { Field = v.Field, Description = v.Description }));
            status.Details.Add(Any.Pack(badRequest));
        }
        if (d.Metadata.TryGetValue(ErrorMetadata.RetryAfterMilliseconds, out var ms) && long.TryParse(ms, out var delay))
            status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(delay)) }));
        var info = new ErrorInfo { Reason = d.Reason, Domain = ErrorDomain };
        foreach (var (key, value) in d.Metadata)
            info.Metadata[key] = value;
        status.Details.Add(Any.Pack(info));
        return status.ToRpcException();
    }

    private static Code CodeOf(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => Code.InvalidArgument,
        ErrorKind.NotFound => Code.NotFound,
        ErrorKind.AlreadyExists => Code.AlreadyExists,
        ErrorKind.FailedPrecondition => Code.FailedPrecondition,
        ErrorKind.Aborted => Code.Aborted,
        ErrorKind.PermissionDenied => Code.PermissionDenied,
        ErrorKind.ResourceExhausted => Code.ResourceExhausted,
        _ => Code.Internal,
    };
}
