using Microsoft.AspNetCore.Http.HttpResults;
using Netra.Contracts.Auth;
using Netra.Server.Protection;

namespace Netra.Server.Auth;

internal static class ServiceTokenExtensions
{
    /// <summary>
    /// For role <c>admin</c>: <c>POST /api/admin/service-tokens {name, days}</c> mints the same tokens as the command line;
    /// <c>DELETE /api/admin/service-tokens/{name}</c> revokes every token the backend was given so far.
    /// </summary>
    public static RouteGroupBuilder MapServiceTokens(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/admin/service-tokens").WithTags("Admin").RequireAuthorization(policy => policy.RequireRole(NetraRoles.Admin))
            .LimitUserCalls();
        group.MapPost("", async Task<Created<LoginResponse>> (CreateServiceTokenRequest? request, ServiceTokens tokens, CancellationToken cancellationToken) =>
        {
            var issued = await tokens.IssueAsync(request?.Name, request?.Days, cancellationToken);
            return TypedResults.Created($"/api/users/{issued.User.Id}", issued);
        });
        group.MapDelete("/{name}", async Task<NoContent> (string name, ServiceTokens tokens, CancellationToken cancellationToken) =>
        {
            await tokens.RevokeAsync(name, cancellationToken);
            return TypedResults.NoContent();
        });
        return group;
    }
}
