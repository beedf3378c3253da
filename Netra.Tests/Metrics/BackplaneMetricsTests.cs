using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Netra.Contracts;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Metrics;

public sealed class BackplaneMetricsTests
{
    [Fact]
    public async Task PublishLatencyIsMeasuredAndFailedPublishesAreCountedWhileRedisIsDown()
    {
        await using var redis = await RedisServer.StartAsync();
        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        await using var node = await NetraTestServer.StartAsync(database, new Dictionary<string, string?> { ["ConnectionStrings:Redis"] = redis.ConnectionString });
        var durations = new ConcurrentBag<double>();
        var failures = 0L;
        var factory = node.Services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory) && instrument.Name.StartsWith("netra.backplane.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => durations.Add(value));
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref failures, value));
        listener.Start();
        var alice = await new NetraApi(node).CreateUserAsync("bp");
        var chat = await new NetraApi(node).CreateChatAsync(alice);
        await using var client = await UserClient.ConnectAsync(node, alice);
        await client.SubscribeAsync(Channels.Chat(chat.Id));

        await client.SendAsync(chat.Id, "through redis");
        durations.Should().NotBeEmpty();
        durations.Should().AllSatisfy(ms => ms.Should().BeGreaterThanOrEqualTo(0));

        await redis.StopAsync();
        using var http = node.CreateHttpClient();
        (await http.GetAsync("/health/ready")).StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        (await client.SendAsync(chat.Id, "while redis is down")).Seq.Should().Be(2, "storing goes on");
        // The sender is answered once the message is stored, before it is published: the failed publish is counted after.
        await Eventually.UntilAsync(() => Interlocked.Read(ref failures) >= 1);
    }
}
