using Microsoft.Extensions.Options;

namespace Netra.Server.Configuration;

internal static class ValidatedOptions
{
    /// <summary>Binds <typeparamref name="TOptions"/> to its section and validates it at start-up, so a bad value stops the node before it serves.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string sectionName)
        where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>>(new SectionDataAnnotationsValidator<TOptions>(sectionName));
        return services.AddOptions<TOptions>()
            .BindConfiguration(sectionName)
            .ValidateOnStart();
    }
}
