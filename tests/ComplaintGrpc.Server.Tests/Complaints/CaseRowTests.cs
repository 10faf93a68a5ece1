using System.Text.RegularExpressions;
using ComplaintGrpc.Server.Complaints;

namespace ComplaintGrpc.Server.Tests.Complaints;

public sealed class CaseRowTests
{
    [Fact]
    public void Columns_names_exactly_the_column_of_every_property_the_row_maps()
    {
        var properties = typeof(CaseRow).GetProperties().Where(p => p.CanWrite).Select(p => Regex.Replace(p.Name, "(?<!^)([A-Z])", "_$1").ToLowerInvariant());

        // "c.name", or "expression AS name" (commas inside an expression's parentheses do not separate columns).
        var columns = Regex.Split(CaseRow.StoredColumns, @",(?![^(]*\))").Select(c => c.Trim())
            .Select(c => c.LastIndexOf(" AS ", StringComparison.Ordinal) is var alias and >= 0 ? c[(alias + " AS ".Length)..] : c["c.".Length..])
            .Append("repeat_links");

        Assert.StartsWith(CaseRow.StoredColumns, CaseRow.Columns, StringComparison.Ordinal);
        Assert.EndsWith("AS repeat_links", CaseRow.Columns.TrimEnd(), StringComparison.Ordinal);

        Assert.Equal(properties.Order(), columns.Order());
    }
}
