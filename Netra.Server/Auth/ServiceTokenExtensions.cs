using Microsoft.AspNetCore.Http.HttpResults;
using Netra.Contracts.Auth;

namespace Netra.Server.Auth;

internal static class ServiceTokenExtensions
{
    /// <summary><c>POST /api/admin/service-tokens {name, days}</c> for role <c>admin</c>: the same tokens as the command line.</summary>
    public static RouteHandlerBuilder MapServiceTokens(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/api/admin/service-tokens", async Task<Created<LoginResponse>> (CreateServiceTokenRequest? request, ServiceTokens tokens, CancellationToken cancellationToken) =>
            {
                var issued = await tokens.IssueAsync(request?.Name, request?.Days, cancellationToken);
                return TypedResults.Created($"/api/users/{issued.User.Id}", issued);
            })
            .WithTags("Admin")
            .RequireAuthorization(policy => policy.RequireRole(NetraRoles.Admin));
}
