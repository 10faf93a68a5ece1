namespace ComplaintGrpc.Storage.Rectification;

/// <summary>
/// The one definition of which complaints fall in a rectification's scope, as SQL over <c>complaints c</c> joined to
/// <c>units cu</c> (the case's unit) and a scope given by <c>{s}_unit_path</c> and the <c>{s}_*</c> arrays: cases of
/// units in the scope unit's subtree (not-yet-dispatched cases have no unit and never count), matching every non-empty
/// list (substations, feeders, transformer areas, categories, sub-categories by their stored C# names). Used when a
/// rectification opened from a hotspot links its cases, and by the evaluation's counts, so both mean the same thing.
/// </summary>
public static class RectificationScopeSql
{
    /// <summary>The condition, with <paramref name="s"/> the prefix of the scope's columns or parameters
    /// (e.g. <c>r.scope</c> for the rectification row, <c>@scope</c> for parameters).</summary>
    public static string Matches(string s, string unitPath) => $"""
        starts_with(cu.path, {unitPath})
        AND (cardinality({s}_substations) = 0 OR c.substation = ANY({s}_substations))
        AND (cardinality({s}_feeders) = 0 OR c.feeder = ANY({s}_feeders))
        AND (cardinality({s}_transformer_areas) = 0 OR c.transformer_area = ANY({s}_transformer_areas))
        AND (cardinality({s}_categories) = 0 OR c.category = ANY({s}_categories))
        AND (cardinality({s}_sub_categories) = 0 OR c.sub_category = ANY({s}_sub_categories))
        """;
}
