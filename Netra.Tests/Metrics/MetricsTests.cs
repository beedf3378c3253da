using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using FluentAssertions;
using Microsoft.Extensions.DependencyInjection;
using Netra.Contracts;
using Netra.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace Netra.Tests.Metrics;

public sealed class MetricsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private NetraApi Api => fixture.Api;

    [Fact]
    public async Task TheMeterCountsConnectionsMessagesAndErrorsOfThisNode()
    {
        var measurements = new ConcurrentDictionary<string, long>();
        var factory = fixture.Server.Services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Netra.Server" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name + string.Concat(tags.ToArray().Select(t => $"|{t.Key}={t.Value}"));
            // An observable instrument reports its current value; a counter what was added.
            measurements.AddOrUpdate(key, value, (_, v) => instrument.IsObservable ? value : v + value);
        });
        listener.Start();

        var (alice, bob) = (await Api.CreateUserAsync("metrics"), await Api.CreateUserAsync("outsider"));
        var chat = await Api.CreateChatAsync(alice);
        await using (var client = await UserClient.ConnectAsync(fixture.Server, alice))
        await using (var intruder = await UserClient.ConnectAsync(fixture.Server, bob))
        {
            await client.SubscribeAsync(Channels.Chat(chat.Id));
            await client.SendAsync(chat.Id, "counted");
            await Expect.RefusedAsync(() => intruder.Client.SendMessageAsync(chat.Id, "refused"), ErrorCodes.Forbidden);
            listener.RecordObservableInstruments();
            measurements.GetValueOrDefault("netra.connections.active").Should().Be(2);
        }

        await Eventually.UntilAsync(() =>
        {
            listener.RecordObservableInstruments();
            return measurements.GetValueOrDefault("netra.connections.active") == 0;
        });
        measurements.GetValueOrDefault("netra.connections.opened").Should().Be(2);
        measurements.GetValueOrDefault("netra.connections.closed|reason=normal").Should().Be(2);
        measurements.GetValueOrDefault("netra.messages.stored").Should().Be(1);
        measurements.GetValueOrDefault("netra.messages.broadcast").Should().Be(1);
        measurements.GetValueOrDefault("netra.hub.invocations|method=SendMessage").Should().Be(2);
        measurements.GetValueOrDefault("netra.errors|code=FORBIDDEN").Should().Be(1);
    }

    [Fact]
    public async Task AdminStatsNeedTheAdminRoleAndReportTheNodesTotals()
    {
        var user = await Api.CreateUserAsync("plain");
        var admin = await Api.CreateUserAsync("admin");
        await using (var db = new NpgsqlConnection(fixture.Server.PostgresConnectionString))
        {
            await db.ExecuteAsync("UPDATE users SET roles = '{admin}' WHERE id = @id", new { id = admin.Id });
        }

        var adminToken = (await Api.LoginAsync(admin.UserName, admin.Password)).AccessToken;
        using (var plain = Api.CreateClient(user))
        {
            var refused = await plain.GetAsync("/api/admin/stats");
            refused.StatusCode.Should().Be(HttpStatusCode.Forbidden);
            (await NetraApi.ReadCodeAsync(refused)).Should().Be("FORBIDDEN");
        }

        using var http = Api.CreateClient(admin with { Token = adminToken });
        var stats = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/admin/stats");

        stats.GetProperty("activeConnections").GetInt64().Should().BeGreaterThanOrEqualTo(0);
        stats.GetProperty("totals").GetProperty("errors.FORBIDDEN").GetInt64().Should().BeGreaterThanOrEqualTo(1);
        var gc = stats.GetProperty("gc");
        gc.GetProperty("heapBytes").GetInt64().Should().BePositive();
        gc.GetProperty("allocatedBytes").GetInt64().Should().BeGreaterThanOrEqualTo(gc.GetProperty("heapBytes").GetInt64());
        gc.GetProperty("gen0Collections").GetInt32().Should().BeGreaterThanOrEqualTo(gc.GetProperty("gen1Collections").GetInt32())
            .And.BeGreaterThanOrEqualTo(gc.GetProperty("gen2Collections").GetInt32());
        gc.GetProperty("pauseMs").GetDouble().Should().BeGreaterThanOrEqualTo(0);

        // The node runs in this process: a collection here is one it reports, read when asked rather than when it started.
        GC.Collect();
        var later = (await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/admin/stats")).GetProperty("gc");
        later.GetProperty("gen2Collections").GetInt32().Should().BeGreaterThan(gc.GetProperty("gen2Collections").GetInt32());
        later.GetProperty("pauseMs").GetDouble().Should().BeGreaterThan(gc.GetProperty("pauseMs").GetDouble());
    }
}
