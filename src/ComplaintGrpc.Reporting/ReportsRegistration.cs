using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ComplaintGrpc.Reporting;

public static class ReportsRegistration
{
    /// <summary>
    /// What the server and the worker share about the backlog report: the options (<c>Reports:*</c>, validated at start
    /// so that a wrong time zone stops the process instead of the 06:30 run), the computation and store, and the
    /// Hangfire job an administrator's run becomes. Needs <c>AddComplaintStorage</c> and <c>AddTimeLimits</c> (the
    /// working-day calendar).
    /// </summary>
    public static IHostApplicationBuilder AddBacklogReports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReportOptions>().BindConfiguration("Reports")
            .ValidateDataAnnotations()
            .Validate(o => ReportOptions.IsKnownZone(o.TimeZone), "Reports:TimeZone must be an IANA time zone id such as Asia/Shanghai.")
            .ValidateOnStart();
        builder.Services.AddSingleton<BacklogReports>();
        builder.Services.AddSingleton<AnalysisReports>();
        builder.Services.AddSingleton<OverdueClocks>();
        builder.Services.AddTransient<BacklogReportJob>();
        return builder;
    }
}
