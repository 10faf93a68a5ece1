using ComplaintGrpc.Worker;

var builder = Host.CreateApplicationBuilder(args);
builder.AddComplaintWorker();
builder.Build().Run();
