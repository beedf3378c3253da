using Netra.Server.Configuration;

namespace Netra.Server.Protection;

internal static class ProtectionExtensions
{
    public static WebApplicationBuilder AddNetraProtection(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<LimitsOptions>(LimitsOptions.SectionName);
        return builder;
    }
}
