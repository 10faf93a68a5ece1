using Google.Rpc;
using Grpc.Core;

namespace ComplaintGrpc.Ctl;

/// <summary>Exit codes and how a failed call is told to the operator: the status, then every google.rpc detail.</summary>
public static class Failures
{
    public const int Ok = 0;
    /// <summary>The server refused or failed the call.</summary>
    public const int ServerError = 1;
    /// <summary>The command line or a local input (a file, standard input) is wrong; nothing was sent.</summary>
    public const int BadInput = 2;

    /// <summary>Runs <paramref name="call"/>; a gRPC failure is written to standard error and becomes <see cref="ServerError"/>.</summary>
    public static async Task<int> Guard(Func<Task<int>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException e)
        {
            Describe(e, Console.Error);
            return ServerError;
        }
    }

    public static void Describe(RpcException e, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(error);
        error.WriteLine($"error: {e.StatusCode}: {e.Status.Detail}");
        var status = e.GetRpcStatus();
        if (status is null)
            return;
        foreach (var detail in status.Details)
        {
            if (detail.TryUnpack<BadRequest>(out var badRequest))
            {
                foreach (var violation in badRequest.FieldViolations)
                    error.WriteLine($"  {violation.Field}: {violation.Description}");
            }
            else if (detail.TryUnpack<ErrorInfo>(out var info))
            {
                error.WriteLine($"  reason: {info.Reason}" + string.Concat(info.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => $", {m.Key}={m.Value}")));
            }
        }
    }
}
