using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace Netra.Server.Auth;

/// <summary>
/// Validates a bearer token as the JwtBearer scheme does (its options, its token handlers, then
/// <see cref="ServiceTokens.AcceptAsync"/>), for the hub's own WebSocket transport, which admits a connection before
/// any HTTP request exists (<c>Realtime/WebSockets</c>). A token refused here goes on to the HTTP pipeline, whose
/// scheme refuses it again, logs it and answers 401.
/// </summary>
internal sealed class BearerTokenValidator(IOptionsMonitor<JwtBearerOptions> options, ServiceTokens serviceTokens)
{
    /// <summary>The principal and the token's expiry, or null when the token is not accepted.</summary>
    public async Task<(ClaimsPrincipal User, DateTimeOffset Expires)?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var scheme = options.Get(JwtBearerDefaults.AuthenticationScheme);
        foreach (var handler in scheme.TokenHandlers)
        {
            var result = await handler.ValidateTokenAsync(token, scheme.TokenValidationParameters);
            if (!result.IsValid)
            {
                continue;
            }

            var principal = await serviceTokens.AcceptAsync(new ClaimsPrincipal(result.ClaimsIdentity), JwtBearerDefaults.AuthenticationScheme, cancellationToken);
            return principal is null ? null : (principal, new DateTimeOffset(DateTime.SpecifyKind(result.SecurityToken.ValidTo, DateTimeKind.Utc)));
        }

        return null;
    }
}
