using Microsoft.Extensions.Options;

namespace Netra.Server.Configuration;

internal static class ValidatedOptions
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to its section and validates it at start-up, so a bad value stops the node before it
    /// serves. A list configured for an array property (<c>Netra__Uploads__AllowedTypes__0</c>, <c>__1</c>, ...) replaces its
    /// default, as docs/configuration.md says: .NET's binder alone appends the configured entries to the default's.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, string sectionName)
        where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>>(new SectionDataAnnotationsValidator<TOptions>(sectionName));
        return services.AddOptions<TOptions>()
            .BindConfiguration(sectionName)
            .PostConfigure<IConfiguration>((options, configuration) => ReplaceConfiguredArrays(options, configuration.GetSection(sectionName)))
            .ValidateOnStart();
    }

    /// <summary>Sets each array property that <paramref name="section"/> configures to exactly the configured entries.</summary>
    internal static void ReplaceConfiguredArrays<TOptions>(TOptions options, IConfigurationSection section)
        where TOptions : class
    {
        foreach (var property in typeof(TOptions).GetProperties())
        {
            if (property.PropertyType.IsArray && property.CanWrite && section.GetSection(property.Name) is var configured && configured.GetChildren().Any())
            {
                // Bound into a new, empty array: only what is configured.
                property.SetValue(options, configured.Get(property.PropertyType));
            }
        }
    }
}
