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
/// DEADLINE_EXCEEDED; a database that does not answer in time is DEADLINE_EXCEEDED (reason DATABASE_TIMEOUT) and one
/// that cannot be reached or has no connection to spare is UNAVAILABLE (reason DATABASE_UNAVAILABLE), both with
/// RetryInfo; anything unexpected is logged and answered INTERNAL without internals in the message. Database
/// timeouts and outages are logged once per episode (<see cref="DatabaseOutages"/>): a warning with the cause at the
/// first failed call, then nothing per call, and one line at recovery with the number of failed calls and how long it
/// lasted.
/// </summary>
internal sealed class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger, DatabaseOutages outages) : Interceptor
{
    public const string ErrorDomain = "complaints.v1";

    /// <summary>How long a caller is asked to wait before retrying after a database timeout or outage.</summary>
    public static readonly TimeSpan DatabaseRetryDelay = TimeSpan.FromSeconds(1);

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var started = outages.CallStarted();
        try
        {
            var response = await continuation(request, context);
            Answered(started);
            return response;
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
        var started = outages.CallStarted();
        try
        {
            await continuation(request, responseStream, context);
            Answered(started);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Map(ex, context);
        }
    }

    private void Answered(long started)
    {
        if (outages.Answered(started) is { } episode)
            ServerLog.DatabaseRecovered(logger, episode.FailedCalls, episode.Lasted);
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
                switch (DatabaseFaultOf(ex))
                {
                    case DatabaseFault.Timeout:
                        if (outages.Failed())
                            ServerLog.DatabaseTimeout(logger, context.Method, ex);
                        return DatabaseStatus(Code.DeadlineExceeded, "DATABASE_TIMEOUT",
                            "The database did not answer in time. Retry after a short wait; a change may or may not have been stored, so read before redoing it.");
                    case DatabaseFault.Unavailable:
                        if (outages.Failed())
                            ServerLog.DatabaseUnavailable(logger, context.Method, ex);
                        return DatabaseStatus(Code.Unavailable, "DATABASE_UNAVAILABLE",
                            "The database is unreachable or has no connection to spare at the moment. Retry after a short wait.");
                    default:
                        ServerLog.UnhandledError(logger, context.Method, ex);
                        return new Status { Code = (int)Code.Internal, Message = "Internal error; it has been logged." }.ToRpcException();
                }
        }
    }

    /// <summary>What kind of database trouble an exception is, when it is not the request's fault.</summary>
    internal enum DatabaseFault
    {
        None,
        /// <summary>A statement ran past its time: Npgsql's CommandTimeout, or statement_timeout/lock_timeout in PostgreSQL.</summary>
        Timeout,
        /// <summary>No connection could be had (pool exhausted, server unreachable or refusing) or it was lost.</summary>
        Unavailable,
    }

    /// <remarks>
    /// Npgsql 10 reports a CommandTimeout expiry as NpgsqlException("Exception while reading from stream" or "... writing
    /// to stream") around a TimeoutException, after cancelling the statement; an exhausted pool ("The connection pool has
    /// been exhausted ...") and a connect timeout ("Failed to connect to ...", "The operation has timed out") wrap a
    /// TimeoutException too, so the message is what tells them apart. Both shapes are pinned by integration tests with a
    /// real PostgreSQL (tests/…/Hosting/DatabaseFaultTests.cs), which fail if an Npgsql upgrade changes them.
    /// </remarks>
    internal static DatabaseFault DatabaseFaultOf(Exception ex) => ex switch
    {
        PostgresException { SqlState: PostgresErrorCodes.QueryCanceled or PostgresErrorCodes.LockNotAvailable } => DatabaseFault.Timeout,
        PostgresException { SqlState: var state } when IsUnavailableState(state) => DatabaseFault.Unavailable,
        PostgresException => DatabaseFault.None,
        NpgsqlException { InnerException: TimeoutException } n when IsStreamTimeout(n.Message) => DatabaseFault.Timeout,
        NpgsqlException { IsTransient: true } => DatabaseFault.Unavailable,
        _ => DatabaseFault.None,
    };

    private static bool IsStreamTimeout(string message) =>
        message.StartsWith("Exception while reading from stream", StringComparison.Ordinal)
        || message.StartsWith("Exception while writing to stream", StringComparison.Ordinal);

    /// <summary>The server is shutting down or starting, out of connection slots or resources, or the connection failed
    /// (SQLSTATE class 08, 53 and 57P01–57P03).</summary>
    private static bool IsUnavailableState(string state) =>
        state.StartsWith("08", StringComparison.Ordinal)
        || state.StartsWith("53", StringComparison.Ordinal)
        || state is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow;

    private static RpcException DatabaseStatus(Code code, string reason, string message)
    {
        var status = new Status { Code = (int)code, Message = message };
        status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(DatabaseRetryDelay) }));
        status.Details.Add(Any.Pack(new ErrorInfo { Reason = reason, Domain = ErrorDomain }));
        return status.ToRpcException();
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
