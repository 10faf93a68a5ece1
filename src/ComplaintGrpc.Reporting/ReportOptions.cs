using System.ComponentModel.DataAnnotations;

namespace ComplaintGrpc.Reporting;

/// <summary>Bound from <c>Reports:*</c> (env <c>Reports__TimeZone</c>, ...); validated at start by both hosts.</summary>
public sealed class ReportOptions
{
    /// <summary>The IANA zone whose calendar days the reports are for; a day's cut-off is 24:00 there.</summary>
    [Required]
    public string TimeZone { get; set; } = "Asia/Shanghai";

    /// <summary>Quartz cron expression (seconds first) of the nightly run, in <see cref="TimeZone"/>. The default, 06:30,
    /// keeps clear of 01:00–03:00, when maintenance and backups run.</summary>
    [Required]
    public string Cron { get; set; } = "0 30 6 * * ?";

    /// <summary>How long one statement of the report (or of the overdue list) may run before Npgsql cancels it. The
    /// report reads the whole open backlog, so it gets minutes rather than Npgsql's 30-second default.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Dapper's command timeout in whole seconds.</summary>
    public int CommandTimeoutSeconds => (int)Math.Ceiling(CommandTimeout.TotalSeconds);

    /// <summary>When set, every computed report is also written there as HTML and CSV files (replaced on a rerun).</summary>
    public string? OutputFolder { get; set; }

    public TimeZoneInfo Zone => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    public static bool IsKnownZone(string id)
    {
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (TimeZoneNotFoundException)
        {
            return false;
        }
        catch (InvalidTimeZoneException)
        {
            return false;
        }
    }
}
