using System.Text.RegularExpressions;
using ComplaintGrpc.Contracts.V1;

namespace ComplaintGrpc.Domain.Intake;

/// <summary>The intake rules of <c>SubmitComplaint</c>: what a complaint must carry before it is stored.</summary>
public static partial class ComplaintIntake
{
    public const int DescriptionMaxLength = 4000;
    public const int ShortTextMaxLength = 500;
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MaxReceivedAge = TimeSpan.FromDays(30);

    /// <summary>Validates the request and returns its received time (the server's clock when the caller sent none)
    /// and the customer's phone in canonical digits. Throws <see cref="DomainException"/> naming every bad field.</summary>
    public static (DateTimeOffset ReceivedAt, string Phone) Validate(SubmitComplaintRequest request, DateTimeOffset now)
    {
        var checkedRequest = Validate(request, now, ComplaintTaxonomy.Shipped);
        return (checkedRequest.ReceivedAt, checkedRequest.Phone);
    }

    /// <summary>As <see cref="Validate(SubmitComplaintRequest, DateTimeOffset)"/>, classifying the case under
    /// <paramref name="taxonomy"/>, the version current at intake (category and sub-category by enum or by code).</summary>
    public static Intake Validate(SubmitComplaintRequest request, DateTimeOffset now, ComplaintTaxonomy taxonomy)
    {
        var v = new RequestValidator()
            .Identifier("request_id", request.RequestId, RequestValidator.RequestIdPattern(), "1-64 of A-Z a-z 0-9 . _ : -")
            .Enum("channel", request.Channel)
            .Enum("request_kind", request.RequestKind)
            .Enum("category", request.Category, required: false)
            .Enum("sub_category", request.SubCategory, required: false)
            .Identifier("category_code", request.CategoryCode, ComplaintTaxonomy.CodePattern(), ComplaintTaxonomy.CodeRule, required: false)
            .Identifier("sub_category_code", request.SubCategoryCode, ComplaintTaxonomy.CodePattern(), ComplaintTaxonomy.CodeRule, required: false)
            .Enum("level", request.Level)
            .Enum("site_class", request.SiteClass)
            .Text("description", request.Description, DescriptionMaxLength, required: true, multiline: true)
            .Text("skip_level_reason", request.SkipLevelReason, ShortTextMaxLength, required: request.SkipLevel, multiline: true);

        // A malformed code is reported by its pattern alone, not again as unknown to the version.
        var codesWellFormed = (request.CategoryCode.Length == 0 || ComplaintTaxonomy.CodePattern().IsMatch(request.CategoryCode))
            && (request.SubCategoryCode.Length == 0 || ComplaintTaxonomy.CodePattern().IsMatch(request.SubCategoryCode));
        var classification = codesWellFormed ? taxonomy.Classify(request.Category, request.CategoryCode, request.SubCategory, request.SubCategoryCode, v) : null;

        var phone = "";
        if (request.Customer is null)
            v.Add("customer", "is required");
        else
        {
            var c = request.Customer;
            v.Identifier("customer.account_number", c.AccountNumber, AccountNumberPattern(), "1-32 letters and digits", required: false)
                .Text("customer.name", c.Name, 100)
                .Text("customer.address", c.Address, 300)
                .Enum("customer.customer_class", c.CustomerClass);
            if (string.IsNullOrWhiteSpace(c.Phone))
                v.Add("customer.phone", "is required");
            else if (NormalizePhone(c.Phone) is { } normalized)
                phone = normalized;
            else
                v.Add("customer.phone", "must be a mainland mobile number (11 digits starting with 1) or a landline with its area code");
        }

        if (request.Location is { } loc)
            v.Text("location.supply_unit", loc.SupplyUnit, 64)
                .Text("location.substation", loc.Substation, 64)
                .Text("location.feeder", loc.Feeder, 64)
                .Text("location.transformer_area", loc.TransformerArea, 64);

        if (request.Coordinates is { } point)
            CheckPoint(v, "coordinates", point);

        var receivedAt = now;
        if (request.ReceivedTime is { } t)
        {
            if (!IsValidTimestamp(t))
                v.Add("received_time", "is not a valid timestamp");
            else
            {
                // PostgreSQL keeps microseconds; truncate here so what is returned is exactly what is stored.
                receivedAt = t.ToDateTimeOffset();
                receivedAt = receivedAt.AddTicks(-(receivedAt.Ticks % TimeSpan.TicksPerMicrosecond));
                v.Check(receivedAt <= now + MaxClockSkew, "received_time", "is in the future")
                    .Check(receivedAt >= now - MaxReceivedAge, "received_time", "is more than 30 days in the past");
            }
        }

        v.ThrowIfInvalid();
        return new Intake(receivedAt, phone, classification!.Value);
    }

    /// <summary>A valid submit: its received time, the customer's phone in canonical digits, and its classification.</summary>
    public readonly record struct Intake(DateTimeOffset ReceivedAt, string Phone, Classification Classification);

    /// <summary>A WGS-84 point: both parts present and finite, latitude -90..90, longitude -180..180.</summary>
    public static void CheckPoint(RequestValidator v, string field, GeoPoint point)
    {
        if (!point.HasLatitude)
            v.Add($"{field}.latitude", "is required when coordinates are sent (both or neither)");
        else
            v.Check(double.IsFinite(point.Latitude) && point.Latitude is >= -90 and <= 90, $"{field}.latitude", "must be a number from -90 to 90 (WGS-84 degrees)");
        if (!point.HasLongitude)
            v.Add($"{field}.longitude", "is required when coordinates are sent (both or neither)");
        else
            v.Check(double.IsFinite(point.Longitude) && point.Longitude is >= -180 and <= 180, $"{field}.longitude", "must be a number from -180 to 180 (WGS-84 degrees)");
    }

    /// <summary>A phone number in canonical digits (no +86, spaces or dashes), or null when it is not a plausible
    /// mainland mobile or landline number.</summary>
    public static string? NormalizePhone(string phone)
    {
        var digits = phone.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        var international = digits.StartsWith("+86", StringComparison.Ordinal) || digits.StartsWith("0086", StringComparison.Ordinal);
        if (international)
            digits = digits[(digits[0] == '+' ? 3 : 4)..];
        // In international form a landline drops its trunk 0 (+86 10 6552 9988); put it back.
        if (international && (digits.StartsWith("10", StringComparison.Ordinal) || digits is [>= '2' and <= '9', ..]))
            digits = "0" + digits;
        return PhonePattern().IsMatch(digits) ? digits : null;
    }

    /// <summary>Protobuf's own range (years 1-9999, nanos within a second); out-of-range values would throw later.</summary>
    public static bool IsValidTimestamp(Google.Protobuf.WellKnownTypes.Timestamp t) =>
        t.Seconds is >= -62135596800 and <= 253402300799 && t.Nanos is >= 0 and < 1_000_000_000;

    /// <summary>Masks a phone for anything that leaves the service or reaches a log: the first 3 and last 4 digits stay.</summary>
    public static string MaskPhone(string phone) =>
        phone.Length <= 7 ? new string('*', phone.Length) : string.Concat(phone.AsSpan(0, 3), new string('*', phone.Length - 7), phone.AsSpan(phone.Length - 4));

    // Mobile: 1[3-9] + 9 digits. Landline: 0 + 2-3 digit area code + 7-8 digit number.
    [GeneratedRegex(@"^(1[3-9][0-9]{9}|0[0-9]{2,3}[0-9]{7,8})$")]
    private static partial Regex PhonePattern();

    [GeneratedRegex("^[A-Za-z0-9]{1,32}$")]
    private static partial Regex AccountNumberPattern();
}
