using System.Globalization;
using ComplaintGrpc.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace ComplaintGrpc.Reporting;

/// <summary>How the human outputs (CSV, HTML) name and format things: Chinese names, local times, hours, percentages.</summary>
public static class ReportText
{
    public static readonly IReadOnlyList<string> AgeingLabels = ["<1个工作日", "1-2个工作日", "3-4个工作日", "5-9个工作日", "≥10个工作日"];

    public static IReadOnlyList<int> AgeingValues(AgeingBuckets a) => [a.Under1, a.From1To2, a.From3To4, a.From5To9, a.From10];

    public static string LevelName(Level level) => level switch
    {
        Level.Normal => "一般",
        Level.Important => "重要",
        Level.Major => "重大",
        Level.Special => "特殊",
        _ => level.ToString(),
    };

    public static string ChannelName(Channel channel) => channel switch
    {
        Channel.Phone95598 => "95598热线",
        Channel.AppWeb => "网站/App",
        Channel.Regulator12398 => "12398监管",
        Channel.CityHotline12345 => "12345热线",
        Channel.Counter => "营业厅",
        Channel.Other => "其他",
        Channel.MediaExposure => "媒体曝光",
        Channel.IntegrityHotline => "行风热线",
        _ => channel.ToString(),
    };

    public static string Local(Timestamp? t, TimeZoneInfo zone) => t is null ? "" :
        TimeZoneInfo.ConvertTime(t.ToDateTimeOffset(), zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static string Hours(Duration? d) => d is null ? "" : d.ToTimeSpan().TotalHours.ToString("0.0", CultureInfo.InvariantCulture);

    public static string Percent(Ratio r) => r.Denominator == 0 ? "-" : (r.Value * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
