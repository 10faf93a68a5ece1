using ComplaintGrpc.Server;
using ComplaintGrpc.Storage;

var builder = WebApplication.CreateBuilder(args);

return await StartupGuard.RunAsync("ComplaintGrpc.Server", builder.Configuration, () =>
{
    builder.AddComplaintServer();
    var app = builder.Build();
    app.MapComplaintServer();
    return app;
});
