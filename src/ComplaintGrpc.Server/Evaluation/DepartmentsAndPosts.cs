using ComplaintGrpc.Contracts.V1;
using ComplaintGrpc.Domain;
using ComplaintGrpc.Server.Evaluation;
using ComplaintGrpc.Server.Internal;
using ComplaintGrpc.Server.Security;
using Dapper;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Npgsql;

namespace ComplaintGrpc.Server.Organization;

/// <summary>Departments (部门) of units and posts (岗位) of departments: organisation data that a finding's responsible
/// party names, kept like units and handlers (administrators create, everyone reads).</summary>
public sealed partial class OrganizationEndpoint
{
    [Authorize(Roles = Roles.Administrator)]
    public override async Task<Department> CreateDepartment(CreateDepartmentRequest request, ServerCallContext context)
    {
        var d = request.Department ?? throw DomainException.Invalid("department", "is required");
        new RequestValidator()
            .Identifier("department.department_id", d.DepartmentId, RequestValidator.UnitIdPattern(), "2-64 of a-z 0-9 and '-'")
            .Identifier("department.unit_id", d.UnitId, RequestValidator.UnitIdPattern(), "an existing unit id")
            .Text("department.name", d.Name, 100, required: true)
            .ThrowIfInvalid();
        await InsertAsync("""
            INSERT INTO departments (department_id, unit_id, name, created_at) VALUES (@DepartmentId, @UnitId, @Name, @Now)
            ON CONFLICT (department_id) DO NOTHING
            """, new { d.DepartmentId, d.UnitId, d.Name, Now = clock.GetUtcNow().UtcDateTime },
            "DEPARTMENT_EXISTS", $"Department {d.DepartmentId} already exists.", "UNIT_NOT_FOUND", $"No unit {d.UnitId}.", context.CancellationToken);
        return d;
    }

    [Authorize(Roles = Roles.Everyone)]
    public override async Task<ListDepartmentsResponse> ListDepartments(ListDepartmentsRequest request, ServerCallContext context)
    {
        var v = new RequestValidator().Identifier("unit_id", request.UnitId, RequestValidator.UnitIdPattern(), "a unit id");
        v.ThrowIfInvalid();
        var size = PageToken.Size(request.PageSize);
        var after = KeyPageToken.Decode(request, request.PageToken, ClearPaging);
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        var rows = (await connection.QueryAsync<(string DepartmentId, string UnitId, string Name)>(new CommandDefinition(
            "SELECT department_id, unit_id, name FROM departments WHERE unit_id = @UnitId AND department_id > @after ORDER BY department_id LIMIT @limit",
            new { request.UnitId, after, limit = size + 1 }, cancellationToken: context.CancellationToken))).ToList();
        var (page, next) = KeyPageToken.Page(rows, size, r => r.DepartmentId, request, ClearPaging);
        return new ListDepartmentsResponse
        {
            Departments = { page.Select(r => new Department { DepartmentId = r.DepartmentId, UnitId = r.UnitId, Name = r.Name }) },
            NextPageToken = next,
        };

        static void ClearPaging(ListDepartmentsRequest r) { r.PageSize = 0; r.PageToken = ""; }
    }

    [Authorize(Roles = Roles.Administrator)]
    public override async Task<Post> CreatePost(CreatePostRequest request, ServerCallContext context)
    {
        var p = request.Post ?? throw DomainException.Invalid("post", "is required");
        new RequestValidator()
            .Identifier("post.post_id", p.PostId, RequestValidator.UnitIdPattern(), "2-64 of a-z 0-9 and '-'")
            .Identifier("post.department_id", p.DepartmentId, RequestValidator.UnitIdPattern(), "an existing department id")
            .Text("post.name", p.Name, 100, required: true)
            .ThrowIfInvalid();
        await InsertAsync("""
            INSERT INTO posts (post_id, department_id, name, created_at) VALUES (@PostId, @DepartmentId, @Name, @Now)
            ON CONFLICT (post_id) DO NOTHING
            """, new { p.PostId, p.DepartmentId, p.Name, Now = clock.GetUtcNow().UtcDateTime },
            "POST_EXISTS", $"Post {p.PostId} already exists.", "DEPARTMENT_NOT_FOUND", $"No department {p.DepartmentId}.", context.CancellationToken);
        return p;
    }

    [Authorize(Roles = Roles.Everyone)]
    public override async Task<ListPostsResponse> ListPosts(ListPostsRequest request, ServerCallContext context)
    {
        new RequestValidator().Identifier("department_id", request.DepartmentId, RequestValidator.UnitIdPattern(), "a department id").ThrowIfInvalid();
        var size = PageToken.Size(request.PageSize);
        var after = KeyPageToken.Decode(request, request.PageToken, ClearPaging);
        await using var connection = await db.OpenConnectionAsync(context.CancellationToken);
        var rows = (await connection.QueryAsync<(string PostId, string DepartmentId, string Name)>(new CommandDefinition(
            "SELECT post_id, department_id, name FROM posts WHERE department_id = @DepartmentId AND post_id > @after ORDER BY post_id LIMIT @limit",
            new { request.DepartmentId, after, limit = size + 1 }, cancellationToken: context.CancellationToken))).ToList();
        var (page, next) = KeyPageToken.Page(rows, size, r => r.PostId, request, ClearPaging);
        return new ListPostsResponse
        {
            Posts = { page.Select(r => new Post { PostId = r.PostId, DepartmentId = r.DepartmentId, Name = r.Name }) },
            NextPageToken = next,
        };

        static void ClearPaging(ListPostsRequest r) { r.PageSize = 0; r.PageToken = ""; }
    }

    /// <summary>Inserts one organisation row: an existing id is ALREADY_EXISTS, a missing parent NOT_FOUND.</summary>
    private async Task InsertAsync(string sql, object args, string existsReason, string existsMessage, string parentReason, string parentMessage, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        try
        {
            if (await connection.ExecuteAsync(new CommandDefinition(sql, args, cancellationToken: ct)) == 0)
                throw new DomainException(ErrorKind.AlreadyExists, existsReason, existsMessage);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw DomainException.NotFound(parentReason, parentMessage);
        }
    }
}
