using System.Net;
using System.Text.Json;
using FluentAssertions;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Realtime;

public sealed class DiscoveryAndHealthTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task WsConfigDescribesTheEndpointFeaturesAndLimitsInSeed001sFormat()
    {
        using var http = fixture.Server.CreateHttpClient();

        using var document = JsonDocument.Parse(await http.GetStringAsync("/ws/config"));

        var config = document.RootElement.GetProperty("websocket_config");
        config.GetProperty("version").GetString().Should().Be("1.0");
        config.GetProperty("endpoints").GetProperty("websocket").GetString().Should().Be("/ws");
        foreach (var feature in new[] { "json_first", "auth_required", "heartbeat_supported", "reconnection_supported" })
        {
            config.GetProperty("features").GetProperty(feature).GetBoolean().Should().BeTrue(feature);
        }

        var limits = config.GetProperty("connection_limits");
        limits.GetProperty("max_connections_per_user").GetInt32().Should().Be(5);
        limits.GetProperty("max_message_rate").GetInt32().Should().Be(60);
        limits.GetProperty("heartbeat_interval").GetInt32().Should().Be(15_000);
        limits.GetProperty("max_message_bytes").GetInt32().Should().Be(10_240);
        limits.GetProperty("ordering_window").GetInt32().Should().Be(250);
        limits.GetProperty("edit_window_hours").GetInt32().Should().Be(24);
        limits.GetProperty("max_upload_bytes").GetInt32().Should().Be(5 * 1024 * 1024);
        limits.GetProperty("upload_unattached_hours").GetInt32().Should().Be(24);
        limits.GetProperty("publishes_per_minute_per_service").GetInt32().Should().Be(6000);
        limits.GetProperty("batch_publishes_per_minute_per_service").GetInt32().Should().Be(60);
        config.GetProperty("features").GetProperty("message_edits").GetBoolean().Should().BeTrue();
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task HealthEndpointsAnswerHealthyWithoutAToken(string path)
    {
        using var http = fixture.Server.CreateHttpClient();
        var response = await http.GetAsync(path);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("Healthy");
    }

    [Fact]
    public async Task UnknownRoutesAnswerProblemDetailsWithACode()
    {
        using var http = fixture.Server.CreateHttpClient();
        var response = await http.GetAsync("/api/does-not-exist");
        response.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await NetraApi.ReadCodeAsync(response)).Should().Be("NOT_FOUND");
    }
}
