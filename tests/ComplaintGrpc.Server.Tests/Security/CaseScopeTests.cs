using ComplaintGrpc.Server.Security;

namespace ComplaintGrpc.Server.Tests.Security;

/// <summary>
/// The scope condition each kind of caller gets. What the condition selects is tested against PostgreSQL in the
/// integration tier (RoleMatrixTests); here, which parts a caller gets and that its values travel as parameters.
/// </summary>
public sealed class CaseScopeTests
{
    private const string Subtree = "c.unit_id IN (SELECT unit_id FROM units WHERE path LIKE";
    private const string Undispatched = "c.unit_id IS NULL AND EXISTS";
    private const string Assigned = "c.handler_id = @scopeSubject";
    private const string Submitted = "c.submitted_by = @scopeSubject";

    private static CaseScope ScopeOf(string? unit, params string[] roles) =>
        CaseScope.Of(new Caller("subject-1", roles.ToHashSet(StringComparer.Ordinal), unit, SeesPersonalData: false));

    [Theory]
    [InlineData(Roles.Administrator)]
    [InlineData(Roles.Auditor)]
    public void Administrators_and_auditors_see_every_case_even_with_other_roles(string role)
    {
        Assert.Equal("true", ScopeOf("nj-jn", role).Condition);
        Assert.Equal("true", ScopeOf("nj-jn", Roles.Handler, role).Condition);
    }

    [Theory]
    [InlineData(Roles.Supervisor)]
    [InlineData(Roles.Inspector)]
    public void A_supervisor_or_inspector_bound_to_a_unit_sees_its_subtree_and_the_undispatched_cases(string role)
    {
        var scope = ScopeOf("nj-jn", role);

        Assert.Contains(Subtree, scope.Condition, StringComparison.Ordinal);
        Assert.Contains(Undispatched, scope.Condition, StringComparison.Ordinal);
        Assert.DoesNotContain(Assigned, scope.Condition, StringComparison.Ordinal);
        Assert.Equal("nj-jn", scope.Parameters.Get<string>("scopeUnit"));
    }

    [Fact]
    public void A_supervisor_bound_to_no_unit_sees_the_whole_organisation() =>
        Assert.Equal("(true)", ScopeOf(null, Roles.Supervisor).Condition);

    [Fact]
    public void A_handler_sees_the_cases_assigned_to_them()
    {
        var scope = ScopeOf("nj-jn", Roles.Handler);

        Assert.Equal($"({Assigned})", scope.Condition);
        Assert.Equal("subject-1", scope.Parameters.Get<string>("scopeSubject"));
    }

    [Fact]
    public void An_intake_system_sees_the_cases_it_submitted() =>
        Assert.Equal($"({Submitted})", ScopeOf(null, Roles.Intake).Condition);

    [Fact]
    public void Several_roles_see_the_union()
    {
        var condition = ScopeOf("nj-jn", Roles.Supervisor, Roles.Handler, Roles.Intake).Condition;

        Assert.StartsWith("(", condition, StringComparison.Ordinal);
        Assert.Contains($" OR {Assigned} OR {Submitted})", condition, StringComparison.Ordinal);
        Assert.Contains(Subtree, condition, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData]
    [InlineData("someone-else")]
    public void A_caller_with_no_known_role_sees_nothing(params string[] roles) =>
        Assert.Equal("false", ScopeOf("nj-jn", roles).Condition);

    [Fact]
    public void Caller_values_are_parameters_never_spliced_into_the_sql()
    {
        var hostile = "x' OR '1'='1";
        var scope = CaseScope.Of(new Caller(hostile, new HashSet<string> { Roles.Supervisor, Roles.Handler }, hostile, false));

        Assert.DoesNotContain(hostile, scope.Condition, StringComparison.Ordinal);
        Assert.Equal(hostile, scope.Parameters.Get<string>("scopeSubject"));
        Assert.Equal(hostile, scope.Parameters.Get<string>("scopeUnit"));
    }
}
