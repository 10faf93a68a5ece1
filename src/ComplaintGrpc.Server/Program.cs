using ComplaintGrpc.Server;

var builder = WebApplication.CreateBuilder(args);
builder.AddComplaintServer();

var app = builder.Build();
app.MapComplaintServer();
app.Run();
