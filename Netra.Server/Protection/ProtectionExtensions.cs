using Netra.Server.Configuration;

namespace Netra.Server.Protection;

internal static class ProtectionExtensions
{
    public static WebApplicationBuilder AddNetraProtection(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<LimitsOptions>(LimitsOptions.SectionName);
        builder.Services.AddSingleton<IRateLimitStore, LocalRateLimitStore>();
        builder.Services.AddSingleton<RateLimitGuard>();
        builder.Services.AddSingleton<HubRateLimitFilter>();
        builder.Services.AddSingleton<ConnectionCounter>();
        builder.Services.AddSingleton<ConnectionLimitFilter>();
        return builder;
    }

    /// <summary>Limits applied before a request reaches an endpoint: connection attempts per IP.</summary>
    public static IApplicationBuilder UseNetraProtection(this IApplicationBuilder app) =>
        app.UseMiddleware<ConnectAttemptLimitMiddleware>();
}
