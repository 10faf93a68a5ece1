using ComplaintGrpc.Server;
using ComplaintGrpc.Server.Security;

var builder = WebApplication.CreateBuilder(args);
if (args is ["mint-token", .. var tokenArgs])
    return DevTokens.Run(tokenArgs, builder.Configuration);
if (args is ["hash-password"])
    return ComplaintGrpc.Server.Dashboard.HashPasswordCommand.Run();

builder.AddComplaintServer();
var app = builder.Build();
app.MapComplaintServer();
app.Run();
return 0;
