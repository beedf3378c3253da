using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Netra.Server.Agents;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Agents;

/// <summary>The agent run service across its host's stop and disposal.</summary>
public sealed class AgentLifetimeTests
{
    [Fact]
    public async Task StoppingTheRunServiceAgainOnceItsHostIsDisposedDoesNothing()
    {
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var server = await NetraTestServer.StartAsync(database);
        var runs = server.Services.GetRequiredService<AgentRunService>();
        await server.DisposeAsync(); // stops the host, then disposes its services

        var stopAgain = () => runs.StopAsync(CancellationToken.None);

        await stopAgain.Should().NotThrowAsync("a host that is stopped a second time must not fail on it");
    }
}
