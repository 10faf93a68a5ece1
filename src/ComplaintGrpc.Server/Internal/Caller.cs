using Grpc.Core;

namespace ComplaintGrpc.Server.Internal;

/// <summary>Who is calling, as recorded in the history: the authenticated subject, else "anonymous".</summary>
public static class Caller
{
    public static string ActorOf(ServerCallContext context) =>
        context.GetHttpContext().User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : "anonymous";
}
