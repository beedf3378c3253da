using FluentAssertions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Netra.Server.Configuration;
using Netra.Server.Events;
using Netra.Server.Uploads;
using Xunit;

namespace Netra.Tests.Configuration;

/// <summary>
/// A list configured for an option (<c>Netra__Events__PublishChannels__0</c>, ...) replaces its default, through the same
/// registration the server uses (<see cref="ValidatedOptions.AddValidatedOptions{TOptions}"/>); .NET's binder alone
/// appends the configured entries to the default's, so a default could never be taken away.
/// </summary>
public sealed class ConfiguredListsTests
{
    [Fact]
    public void ConfiguredPublishChannelsReplaceTheDefault()
    {
        Resolve<EventsOptions>(EventsOptions.SectionName, ("Netra:Events:PublishChannels:0", "team:*"), ("Netra:Events:PublishChannels:1", "news"))
            .PublishChannels.Should().Equal("team:*", "news");
        Resolve<EventsOptions>(EventsOptions.SectionName).PublishChannels.Should().Equal("app:*");
    }

    [Fact]
    public void ConfiguredUploadTypesReplaceTheDefault()
    {
        Resolve<UploadOptions>(UploadOptions.SectionName, ("Netra:Uploads:AllowedTypes:0", "image/png"))
            .AllowedTypes.Should().Equal("image/png");
        Resolve<UploadOptions>(UploadOptions.SectionName).AllowedTypes.Should().HaveCount(FileSniffer.Known.Count);
    }

    private static TOptions Resolve<TOptions>(string section, params (string Key, string Value)[] settings)
        where TOptions : class
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        services.AddValidatedOptions<TOptions>(section);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<TOptions>>().Value;
    }
}
