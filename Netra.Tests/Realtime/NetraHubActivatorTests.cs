using FluentAssertions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Netra.Server.Realtime;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Realtime;

/// <summary>
/// Hubs are made by one <see cref="NetraHubActivator"/> for the app, from the app's services: right only while every service
/// the hub takes is a singleton (a scoped one would be resolved once for the whole app).
/// </summary>
public sealed class NetraHubActivatorTests
{
    [Fact]
    public async Task HubsComeFromTheAppsActivatorAndTakeOnlySingletons()
    {
        IServiceCollection? registered = null;
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var server = await NetraTestServer.StartAsync(database, services: services => registered = services);

        using (var scope = server.Services.CreateScope())
        {
            scope.ServiceProvider.GetRequiredService<IHubActivator<NetraHub>>().Should().BeOfType<NetraHubActivator>();
        }

        var parameters = typeof(NetraHub).GetConstructors().Single().GetParameters();
        parameters.Should().NotBeEmpty();
        foreach (var parameter in parameters)
        {
            var type = parameter.ParameterType;
            var descriptor = registered!.LastOrDefault(d => d.ServiceType == type)
                ?? (type.IsGenericType ? registered!.LastOrDefault(d => d.ServiceType == type.GetGenericTypeDefinition()) : null);
            descriptor.Should().NotBeNull($"NetraHub takes {type.Name}");
            descriptor!.Lifetime.Should().Be(ServiceLifetime.Singleton, $"NetraHub takes {type.Name} ({parameter.Name})");
        }
    }
}
