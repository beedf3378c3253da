using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Netra.Contracts;
using Netra.Contracts.Agents;
using Netra.Contracts.Auth;
using Netra.Contracts.Events;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Protection;

/// <summary>
/// Backends have budgets of their own: publish calls per service, and batch publishes apart from them (seed 004: "bulk
/// operations have separate limits"). Admins' writes count against their call budget like any user's.
/// </summary>
public sealed class ServicePublishLimitTests
{
    [Fact]
    public async Task AServicesPublishCallsShareOneBudgetOverEveryPublishApiAndARefusedOneStoresNothing()
    {
        await using var server = await NetraTestServer.StartWithLimitAsync("PublishesPerMinutePerService", 3);
        var api = new NetraApi(server);
        using var tracker = ServiceClient(server, 900_100);
        (await tracker.PostAsJsonAsync("/api/publish", new PublishRequest("app:limits", "tick", null))).StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await tracker.PostAsJsonAsync("/api/alerts", new AlertRequest("disk", "info", "disk at 80 %", null))).StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await tracker.PostAsJsonAsync("/api/issues/NET-1/events", new IssueEventRequest("status_changed", null))).StatusCode.Should().Be(HttpStatusCode.Accepted);

        var fourth = await tracker.PostAsJsonAsync("/api/publish", new PublishRequest("app:limits", "tick", null));

        fourth.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await ProblemAsync(fourth)).Should().MatchRegex(@"^3 publishes per minute; retry in \d+ s$");
        fourth.Headers.RetryAfter!.Delta!.Value.Should().BePositive().And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(61));
        var push = await tracker.PostAsJsonAsync("/api/agent-runs/run-1/events", new PushAgentEventRequest(1, null, null, AgentEventTypes.AgentStarted, 1, "hi", null, null));
        push.StatusCode.Should().Be(HttpStatusCode.TooManyRequests, "pushing an agent's events is publishing too");
        (await tracker.PostAsJsonAsync("/api/publish/batch", new PublishBatchRequest([new PublishRequest("app:limits", "bulk", null)])))
            .StatusCode.Should().Be(HttpStatusCode.Accepted, "a batch draws on a budget of its own");

        using var alerting = ServiceClient(server, 900_101);
        var other = await alerting.PostAsJsonAsync("/api/publish", new PublishRequest("app:limits", "tick", null));
        other.StatusCode.Should().Be(HttpStatusCode.Accepted, "each service has a budget of its own");
        (await other.Content.ReadFromJsonAsync<PublishResult>(NetraApi.Json))!.Seq.Should().Be(3, "the refused publish took no seq");
        var reader = await api.CreateUserAsync("reader");
        using var asReader = api.CreateClient(reader);
        var history = await asReader.GetFromJsonAsync<List<JsonElement>>("/api/channels/app:limits/events", NetraApi.Json);
        history!.Select(e => e.GetProperty("type").GetString()).Should().Equal("tick", "bulk", "tick");
    }

    [Fact]
    public async Task BatchPublishesHaveTheirOwnLimitAndARefusedBatchStoresNothing()
    {
        await using var server = await NetraTestServer.StartWithLimitAsync("BatchPublishesPerMinutePerService", 2);
        using var service = ServiceClient(server, 900_200);
        var batch = new PublishBatchRequest([new PublishRequest("app:bulk", "a", null), new PublishRequest("app:bulk", "b", null)]);
        for (var i = 0; i < 2; i++)
        {
            (await service.PostAsJsonAsync("/api/publish/batch", batch)).StatusCode.Should().Be(HttpStatusCode.Accepted);
        }

        var third = await service.PostAsJsonAsync("/api/publish/batch", batch);

        third.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await ProblemAsync(third)).Should().MatchRegex(@"^2 batch publishes per minute; retry in \d+ s$");
        var single = await service.PostAsJsonAsync("/api/publish", new PublishRequest("app:bulk", "single", null));
        single.StatusCode.Should().Be(HttpStatusCode.Accepted, "single publishes have their own budget");
        (await single.Content.ReadFromJsonAsync<PublishResult>(NetraApi.Json))!.Seq.Should().Be(5, "the refused batch took no seqs");
    }

    [Fact]
    public async Task AnAdminsWritesCountAgainstTheirCallBudgetAndARefusedOneIssuesNoToken()
    {
        await using var server = await NetraTestServer.StartWithLimitAsync("CallsPerMinute", 2);
        using var admin = Client(server, TestTokens.Create(900_300, roles: "admin"));
        for (var i = 0; i < 2; i++)
        {
            (await admin.PostAsJsonAsync("/api/admin/service-tokens", new CreateServiceTokenRequest($"svc-{i}", 1))).StatusCode.Should().Be(HttpStatusCode.Created);
        }

        var third = await admin.PostAsJsonAsync("/api/admin/service-tokens", new CreateServiceTokenRequest("svc-2", 1));

        third.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        (await NetraApi.ReadCodeAsync(third)).Should().Be(ErrorCodes.RateLimited);
        using var otherAdmin = Client(server, TestTokens.Create(900_301, roles: "admin"));
        (await otherAdmin.DeleteAsync("/api/admin/service-tokens/svc-2")).StatusCode.Should().Be(HttpStatusCode.NotFound, "the refused call created no service");
        (await otherAdmin.DeleteAsync("/api/admin/service-tokens/svc-1")).StatusCode.Should().Be(HttpStatusCode.NoContent);
    }

    private static HttpClient ServiceClient(NetraTestServer server, long serviceId) => new NetraApi(server).CreateServiceClient(serviceId);

    private static HttpClient Client(NetraTestServer server, string token) => new NetraApi(server).CreateBearerClient(token);

    /// <summary>A refusal's RATE_LIMITED code and its detail.</summary>
    private static async Task<string?> ProblemAsync(HttpResponseMessage response)
    {
        (await NetraApi.ReadCodeAsync(response)).Should().Be(ErrorCodes.RateLimited);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("detail").GetString();
    }
}
