using System.Net.Sockets;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Server.Internal;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace ComplaintGrpc.Server.Tests.Internal;

/// <summary>
/// Every failure a handler can throw becomes exactly one status. The exceptions are built in the shapes Npgsql 10
/// throws them (see ErrorMappingInterceptor.DatabaseFaultOf); DatabaseFaultTests in the integration tier provokes the
/// same against a real PostgreSQL.
/// </summary>
public sealed class ErrorMappingInterceptorTests
{
    private readonly CapturingLogger<ErrorMappingInterceptor> _logger = new();
    private readonly FakeTimeProvider _clock = new();
    private readonly ErrorMappingInterceptor _interceptor;

    public ErrorMappingInterceptorTests() => _interceptor = new ErrorMappingInterceptor(_logger, new DatabaseOutages(_clock));

    private async Task<RpcException> MapAsync(Exception thrown, TestCallContext? context = null)
    {
        return await Assert.ThrowsAsync<RpcException>(() => _interceptor.UnaryServerHandler<string, string>(
            "request", context ?? new TestCallContext(), (_, _) => Task.FromException<string>(thrown)));
    }

    private static PostgresException Postgres(string sqlState) => new("message from the server", "ERROR", "ERROR", sqlState);

    public static TheoryData<ErrorKind, StatusCode> Kinds => new()
    {
        { ErrorKind.InvalidArgument, StatusCode.InvalidArgument },
        { ErrorKind.NotFound, StatusCode.NotFound },
        { ErrorKind.AlreadyExists, StatusCode.AlreadyExists },
        { ErrorKind.FailedPrecondition, StatusCode.FailedPrecondition },
        { ErrorKind.Aborted, StatusCode.Aborted },
        { ErrorKind.PermissionDenied, StatusCode.PermissionDenied },
        { ErrorKind.ResourceExhausted, StatusCode.ResourceExhausted },
    };

    [Fact]
    public void The_table_names_every_error_kind()
    {
        var named = Kinds.Select(row => (ErrorKind)row[0]).ToHashSet();
        Assert.Equal(Enum.GetValues<ErrorKind>().ToHashSet(), named);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Each_error_kind_becomes_its_own_status_with_its_reason_and_message(ErrorKind kind, StatusCode expected)
    {
        var e = await MapAsync(new DomainException(kind, "SOME_REASON", "What went wrong, for people.",
            metadata: new Dictionary<string, string> { ["unit_id"] = "nj-jn" }));

        Assert.Equal(expected, e.StatusCode);
        Assert.Equal("What went wrong, for people.", e.Status.Detail);
        var info = e.GetRpcStatus()!.GetDetail<ErrorInfo>();
        Assert.Equal("SOME_REASON", info.Reason);
        Assert.Equal(ErrorMappingInterceptor.ErrorDomain, info.Domain);
        Assert.Equal("nj-jn", info.Metadata["unit_id"]);
        Assert.Null(e.GetRpcStatus()!.GetDetail<RetryInfo>());
        Assert.Empty(_logger.Entries);
    }

    [Fact]
    public async Task Bad_fields_become_a_bad_request_with_one_violation_each()
    {
        var e = await MapAsync(DomainException.Invalid([new FieldViolation("customer.phone", "is not a phone number"), new FieldViolation("level", "is required")]));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        var violations = e.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations;
        Assert.Equal(["customer.phone", "level"], violations.Select(v => v.Field));
        Assert.Equal("is not a phone number", violations[0].Description);
    }

    [Fact]
    public async Task A_retry_delay_in_the_metadata_becomes_retry_info()
    {
        var e = await MapAsync(new DomainException(ErrorKind.ResourceExhausted, "RATE_LIMITED", "Slow down.",
            metadata: new Dictionary<string, string> { [ErrorMetadata.RetryAfterMilliseconds] = "1500" }));

        Assert.Equal(TimeSpan.FromMilliseconds(1500), e.GetRpcStatus()!.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan());
    }

    [Theory]
    [InlineData(PostgresErrorCodes.DeadlockDetected)]
    [InlineData(PostgresErrorCodes.SerializationFailure)]
    public async Task Colliding_transactions_are_aborted_with_a_short_retry(string sqlState)
    {
        var e = await MapAsync(Postgres(sqlState));

        Assert.Equal(StatusCode.Aborted, e.StatusCode);
        Assert.Equal("CONCURRENT_CHANGE", e.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        Assert.Equal(TimeSpan.FromMilliseconds(100), e.GetRpcStatus()!.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan());
        Assert.Empty(_logger.Entries);
    }

    public static TheoryData<string, Exception> Timeouts => new()
    {
        // Npgsql's CommandTimeout, after it had PostgreSQL cancel the statement (NpgsqlConnector.ReadMessageLong).
        { "command timeout, statement cancelled", new NpgsqlException("Exception while reading from stream", new TimeoutException("Timeout during reading attempt")) },
        { "command timeout while sending", new NpgsqlException("Exception while writing to stream", new TimeoutException("Timeout during writing attempt")) },
        { "statement_timeout in PostgreSQL", Postgres(PostgresErrorCodes.QueryCanceled) },
        { "lock_timeout in PostgreSQL", Postgres(PostgresErrorCodes.LockNotAvailable) },
    };

    [Theory]
    [MemberData(nameof(Timeouts))]
    public async Task A_database_timeout_is_deadline_exceeded_with_retry_info_and_a_warning(string what, Exception thrown)
    {
        var e = await MapAsync(thrown);

        Assert.True(StatusCode.DeadlineExceeded == e.StatusCode, $"{what}: {e.StatusCode}");
        var status = e.GetRpcStatus()!;
        Assert.Equal("DATABASE_TIMEOUT", status.GetDetail<ErrorInfo>().Reason);
        Assert.Equal(ErrorMappingInterceptor.DatabaseRetryDelay, status.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan());
        var entry = Assert.Single(_logger.Entries);
        Assert.Equal((LogLevel.Warning, 1003), (entry.Level, entry.EventId));
        Assert.Same(thrown, entry.Exception);
    }

    public static TheoryData<string, Exception> Outages => new()
    {
        // PoolingDataSource.Get when no connection came free within the connection string's Timeout.
        { "pool exhausted", new NpgsqlException("The connection pool has been exhausted, either raise 'Max Pool Size' (currently 1) or 'Timeout' (currently 1 seconds) in your connection string.", new TimeoutException()) },
        { "connect timeout", new NpgsqlException("Failed to connect to 127.0.0.1:5432", new TimeoutException("Timeout during connection attempt")) },
        { "open timed out", new NpgsqlException("The operation has timed out", new TimeoutException()) },
        { "connection refused", new NpgsqlException("Failed to connect to 127.0.0.1:1", new SocketException((int)SocketError.ConnectionRefused)) },
        { "connection lost", new NpgsqlException("Exception while reading from stream", new EndOfStreamException()) },
        { "server shutting down", Postgres(PostgresErrorCodes.AdminShutdown) },
        { "server crashed", Postgres(PostgresErrorCodes.CrashShutdown) },
        { "server starting", Postgres(PostgresErrorCodes.CannotConnectNow) },
        { "too many connections", Postgres(PostgresErrorCodes.TooManyConnections) },
        { "out of memory", Postgres(PostgresErrorCodes.OutOfMemory) },
        { "connection failure", Postgres(PostgresErrorCodes.ConnectionFailure) },
    };

    [Theory]
    [MemberData(nameof(Outages))]
    public async Task An_unreachable_or_exhausted_database_is_unavailable_with_retry_info_and_a_warning(string what, Exception thrown)
    {
        var e = await MapAsync(thrown);

        Assert.True(StatusCode.Unavailable == e.StatusCode, $"{what}: {e.StatusCode}");
        var status = e.GetRpcStatus()!;
        Assert.Equal("DATABASE_UNAVAILABLE", status.GetDetail<ErrorInfo>().Reason);
        Assert.Equal(ErrorMappingInterceptor.DatabaseRetryDelay, status.GetDetail<RetryInfo>().RetryDelay.ToTimeSpan());
        var entry = Assert.Single(_logger.Entries);
        Assert.Equal((LogLevel.Warning, 1004), (entry.Level, entry.EventId));
    }

    [Fact]
    public async Task A_caller_who_cancelled_gets_cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var e = await MapAsync(new OperationCanceledException(cancelled.Token), new TestCallContext(cancellationToken: cancelled.Token));

        Assert.Equal(StatusCode.Cancelled, e.StatusCode);
        Assert.Empty(_logger.Entries);
    }

    [Fact]
    public async Task A_caller_whose_deadline_passed_gets_deadline_exceeded_even_when_npgsql_reports_the_cancellation()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var e = await MapAsync(new NpgsqlException("Query was cancelled", new OperationCanceledException(cancelled.Token)),
            new TestCallContext(deadline: DateTime.UtcNow.AddSeconds(-1), cancellationToken: cancelled.Token));

        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.Null(e.GetRpcStatus());
        Assert.Empty(_logger.Entries);
    }

    [Theory]
    [InlineData("unique violation")]
    [InlineData("plain bug")]
    public async Task Anything_else_is_internal_without_its_text_and_logged_as_an_error(string what)
    {
        Exception thrown = what == "unique violation" ? Postgres(PostgresErrorCodes.UniqueViolation) : new InvalidOperationException("secret detail");

        var e = await MapAsync(thrown);

        Assert.Equal(StatusCode.Internal, e.StatusCode);
        Assert.DoesNotContain("secret", e.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("message from the server", e.Status.Detail, StringComparison.Ordinal);
        var entry = Assert.Single(_logger.Entries);
        Assert.Equal((LogLevel.Error, 1000), (entry.Level, entry.EventId));
    }

    [Fact]
    public async Task Server_streaming_calls_are_mapped_the_same_way()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => _interceptor.ServerStreamingServerHandler<string, string>(
            "request", null!, new TestCallContext(), (_, _, _) => Task.FromException(Postgres(PostgresErrorCodes.AdminShutdown))));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
    }

    [Fact]
    public async Task A_status_already_made_passes_through_untouched()
    {
        var made = new RpcException(new Grpc.Core.Status(StatusCode.Unauthenticated, "who are you"));

        var e = await MapAsync(made);

        Assert.Same(made, e);
    }

    private Task<string> AnswerAsync() =>
        _interceptor.UnaryServerHandler<string, string>("request", new TestCallContext(), (_, _) => Task.FromResult("answer"));

    [Fact]
    public async Task An_outage_is_logged_once_with_its_cause_and_once_at_recovery_with_the_failed_calls_and_how_long_it_lasted()
    {
        var cause = new NpgsqlException("Failed to connect to 127.0.0.1:1", new SocketException((int)SocketError.ConnectionRefused));
        await AnswerAsync();

        var first = await MapAsync(cause);
        for (var i = 0; i < 4; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(5));
            Assert.Equal(StatusCode.Unavailable, (await MapAsync(Postgres(PostgresErrorCodes.CannotConnectNow))).StatusCode);
        }
        // A timeout during the same outage is part of the episode too: counted, answered, not logged.
        Assert.Equal(StatusCode.DeadlineExceeded, (await MapAsync(Postgres(PostgresErrorCodes.QueryCanceled))).StatusCode);
        _clock.Advance(TimeSpan.FromSeconds(2));
        await AnswerAsync();
        await AnswerAsync();

        Assert.Equal(StatusCode.Unavailable, first.StatusCode);
        Assert.Equal(2, _logger.Entries.Count);
        Assert.Equal((LogLevel.Warning, 1004), (_logger.Entries[0].Level, _logger.Entries[0].EventId));
        Assert.Same(cause, _logger.Entries[0].Exception);
        Assert.Equal((LogLevel.Information, 1010), (_logger.Entries[1].Level, _logger.Entries[1].EventId));
        Assert.Equal("The database answers again after 6 failed calls over 00:00:22", _logger.Entries[1].Message);

        // The next outage is a new episode with its own warning.
        await MapAsync(Postgres(PostgresErrorCodes.AdminShutdown));
        Assert.Equal(3, _logger.Entries.Count);
        Assert.Equal(1004, _logger.Entries[2].EventId);
    }

    [Fact]
    public async Task A_call_that_was_already_running_when_the_outage_began_does_not_end_it_by_finishing()
    {
        var release = new TaskCompletionSource<string>();
        var running = _interceptor.UnaryServerHandler<string, string>("request", new TestCallContext(), (_, _) => release.Task);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await MapAsync(Postgres(PostgresErrorCodes.AdminShutdown));

        release.SetResult("answer");
        await running;
        await MapAsync(Postgres(PostgresErrorCodes.AdminShutdown));
        _clock.Advance(TimeSpan.FromSeconds(1));
        await AnswerAsync();

        Assert.Equal([1004, 1010], _logger.Entries.Select(e => e.EventId));
        Assert.Equal("The database answers again after 2 failed calls over 00:00:01", _logger.Entries[1].Message);
    }
}
