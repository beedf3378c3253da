using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using Netra.Contracts;
using Netra.Contracts.Auth;
using Netra.Contracts.Realtime;
using Netra.Server.Protection;
using Netra.Server.Storage;
using Netra.Server.Configuration;

namespace Netra.Server.Auth;

internal static class AuthExtensions
{
    private const string AccessTokenParameter = "access_token";

    private static QueryCollection WithoutAccessToken(IQueryCollection query)
    {
        if (query.Count == 1)
        {
            return QueryCollection.Empty;
        }

        var rest = new Dictionary<string, StringValues>(query.Count - 1, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in query)
        {
            if (!string.Equals(key, AccessTokenParameter, StringComparison.OrdinalIgnoreCase))
            {
                rest[key] = value;
            }
        }

        return new QueryCollection(rest);
    }

    /// <summary>
    /// A WebSocket's request lives as long as the connection, and with it the parsed query, the query string and the
    /// request target as the client sent it: drops the token from all three once read, so that nothing reading or
    /// logging the request later sees it. Other parameters (SignalR's `id`) stay; setting Query rewrites the query
    /// string from what is left. (Kestrel's own parse cache keeps the line it read, privately, so this saves no memory.)
    /// </summary>
    private static void ForgetAccessToken(HttpContext context)
    {
        var request = context.Request;
        request.Query = WithoutAccessToken(request.Query);
        if (context.Features.Get<IHttpRequestFeature>() is { } line)
        {
            var end = line.RawTarget.IndexOf('?', StringComparison.Ordinal);
            line.RawTarget = (end < 0 ? line.RawTarget : line.RawTarget[..end]) + request.QueryString.ToUriComponent();
        }
    }

    public static WebApplicationBuilder AddNetraAuth(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<AuthOptions>(AuthOptions.SectionName);
        builder.Services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        builder.Services.AddOptions<DataDirectoryOptions>().Configure<IConfiguration, IHostEnvironment>((options, configuration, environment) =>
            options.Path = Path.GetFullPath(configuration["Netra:DataDirectory"] ?? ".netra", environment.ContentRootPath));

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SigningKey>();
        builder.Services.AddSingleton<TokenIssuer>();
        builder.Services.AddSingleton<UserStore>();
        builder.Services.AddSingleton<IPasswordHasher<UserRecord>, PasswordHasher<UserRecord>>();
        builder.Services.AddSingleton<AuthService>();
        builder.Services.AddSingleton<ServiceTokens>();
        builder.Services.AddSingleton<ServiceTokenWatchFilter>();
        builder.Services.AddSingleton<BearerTokenValidator>();
        builder.Services.AddSingleton<IUserIdProvider, SubjectUserIdProvider>();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<SigningKey, IOptions<AuthOptions>, ServiceTokens>((options, key, auth, serviceTokens) =>
            {
                // Keep `sub`, `name` and `role` as they are in the token instead of mapping them to long URIs.
                options.MapInboundClaims = false;
                // Nothing reads the token back (GetTokenAsync); saved, it would stay in the authentication properties
                // of every hub connection for its whole life.
                options.SaveToken = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Value.Issuer,
                    ValidAudience = auth.Value.Audience,
                    IssuerSigningKey = key.Key,
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ValidateIssuer = true,
                    ValidateAudience = true,
                    ValidateLifetime = true,
                    ValidateIssuerSigningKey = true,
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                    ClockSkew = TimeSpan.FromSeconds(auth.Value.ClockSkewSeconds),
                    NameClaimType = NetraClaims.Name,
                    RoleClaimType = NetraClaims.Role,
                };
                options.Events = new JwtBearerEvents
                {
                    OnMessageReceived = context =>
                    {
                        // Browsers cannot set headers on a WebSocket handshake, so the hub (and only the hub)
                        // accepts the token in the query string.
                        var request = context.HttpContext.Request;
                        if (request.Path.StartsWithSegments(HubPath.Hub) && request.Query.TryGetValue(AccessTokenParameter, out var token))
                        {
                            context.Token = token.ToString();
                            ForgetAccessToken(context.HttpContext);
                        }

                        return Task.CompletedTask;
                    },
                    OnTokenValidated = async context =>
                    {
                        if (await serviceTokens.AcceptAsync(context.Principal!, context.Scheme.Name, context.HttpContext.RequestAborted) is { } principal)
                        {
                            context.Principal = principal;
                        }
                        else
                        {
                            context.Fail("The token's 'sub' is not a user id, or it is a revoked service token.");
                        }
                    },
                    OnAuthenticationFailed = context =>
                    {
                        var logger = context.HttpContext.RequestServices.GetRequiredService<ILogger<SigningKey>>();
                        AuthLog.TokenRejected(logger, context.Request.Path, context.HttpContext.Connection.RemoteIpAddress, context.Exception.Message);
                        return Task.CompletedTask;
                    },
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        context.Response.Headers.WWWAuthenticate = "Bearer";
                        var detail = context.AuthenticateFailure is null
                            ? "An access token is required."
                            : "The access token is invalid or expired.";
                        var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                        await problems.WriteAsync(new ProblemDetailsContext
                        {
                            HttpContext = context.HttpContext,
                            ProblemDetails = { Status = 401, Detail = detail, Extensions = { ["code"] = ErrorCodes.Unauthorized } },
                        });
                    },
                };
            });

        builder.Services.AddAuthorization();
        return builder;
    }

    private static readonly string[] Roles = [NetraRoles.Admin, NetraRoles.Service];

    public static RouteGroupBuilder MapAuth(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/auth").WithTags("Auth").AllowAnonymous();

        group.MapPost("/register", async Task<Created<UserInfo>> (RegisterRequest request, AuthService auth, RateLimitGuard limits, HttpContext http, CancellationToken cancellationToken) =>
        {
            await limits.EnsureRegistrationAsync(http.Connection.RemoteIpAddress?.ToString(), cancellationToken);
            var user = await auth.RegisterAsync(request, cancellationToken);
            return TypedResults.Created($"/api/users/{user.Id}", user);
        });

        group.MapPost("/login", async Task<Ok<LoginResponse>> (LoginRequest request, AuthService auth, RateLimitGuard limits, HttpContext http, CancellationToken cancellationToken) =>
        {
            var remoteIp = http.Connection.RemoteIpAddress?.ToString();
            await limits.EnsureLoginAsync(remoteIp, request.UserName ?? "", cancellationToken);
            return TypedResults.Ok(await auth.LoginAsync(request, remoteIp, cancellationToken));
        });

        // Outside the anonymous group, with the same bearer scheme as the hub: a token this accepts, the hub's handshake
        // accepts too.
        endpoints.MapGet("/api/auth/me", Ok<TokenInfo> (ClaimsPrincipal user) => TypedResults.Ok(new TokenInfo(
            user.GetUserId(),
            user.GetUserName(),
            [.. Roles.Where(user.IsInRole)])))
            .WithTags("Auth")
            .RequireAuthorization()
            .LimitUserCalls();

        return group;
    }
}
