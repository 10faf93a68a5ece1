using ComplaintGrpc.Server;
using ComplaintGrpc.Server.Security;
using ComplaintGrpc.Storage;

var builder = WebApplication.CreateBuilder(args);
if (args is ["mint-token", .. var tokenArgs])
    return DevTokens.Run(tokenArgs, builder.Configuration);
if (args is ["hash-password"])
    return ComplaintGrpc.Server.Dashboard.HashPasswordCommand.Run();

return await StartupGuard.RunAsync("ComplaintGrpc.Server", builder.Configuration, () =>
{
    builder.AddComplaintServer();
    var app = builder.Build();
    app.MapComplaintServer();
    return app;
});
