using ComplaintGrpc.Storage;
using ComplaintGrpc.Worker;

var builder = Host.CreateApplicationBuilder(args);
return await StartupGuard.RunAsync("ComplaintGrpc.Worker", builder.Configuration, () => builder.AddComplaintWorker().Build());
