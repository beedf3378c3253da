namespace Netra.Server.Protection;

internal static class ProtectionExtensions
{
    public static WebApplicationBuilder AddNetraProtection(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<LimitsOptions>()
            .BindConfiguration(LimitsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder;
    }
}
