using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;
using Netra.Contracts.Auth;
using Netra.Contracts.Chat;

namespace Netra.Tests.Infrastructure;

/// <summary>HTTP helpers over the wire contract: register and log in users, create chats, read history.</summary>
public sealed class NetraApi(INetraNode server)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<TestUser> CreateUserAsync(string prefix = "user")
    {
        var userName = $"{prefix}-{Guid.NewGuid():N}"[..24];
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var displayName = prefix + " " + userName[^4..];
        using var http = server.CreateHttpClient();
        var register = await http.PostAsJsonAsync("/api/auth/register", new RegisterRequest(userName, password, displayName));
        register.StatusCode.Should().Be(System.Net.HttpStatusCode.Created, await register.Content.ReadAsStringAsync());
        var login = await LoginAsync(userName, password);
        return new TestUser(login.User.Id, userName, displayName, password, login.AccessToken);
    }

    public async Task<LoginResponse> LoginAsync(string userName, string password)
    {
        using var http = server.CreateHttpClient();
        var response = await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(userName, password));
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<LoginResponse>(Json))!;
    }

    public HttpClient CreateClient(TestUser? user) => user is null ? server.CreateHttpClient() : CreateBearerClient(user.Token);

    /// <summary>
    /// A client with a token of role <c>service</c>, as a backend that publishes events holds. Limits and
    /// idempotency keys are per service (the token's subject), so a test that counts them names its own.
    /// </summary>
    public HttpClient CreateServiceClient(long serviceId = 900_000) => CreateBearerClient(TestTokens.Create(serviceId, roles: "service"));

    /// <summary>A client that sends <paramref name="token"/> as its bearer token.</summary>
    public HttpClient CreateBearerClient(string token)
    {
        var http = server.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public Task<ChatSummary> CreateChatAsync(TestUser owner, params TestUser[] members) => CreateChatAsync(owner, readReceipts: false, members);

    public async Task<ChatSummary> CreateChatAsync(TestUser owner, bool readReceipts, params TestUser[] members)
    {
        using var http = CreateClient(owner);
        var response = await http.PostAsJsonAsync("/api/chats", new CreateChatRequest("chat " + Guid.NewGuid().ToString("N")[..6], members.Select(m => m.Id).ToList(), readReceipts));
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ChatSummary>(Json))!;
    }

    public async Task<IReadOnlyList<ChatMessage>> GetMessagesAsync(TestUser user, long chatId, string query = "")
    {
        using var http = CreateClient(user);
        var response = await http.GetAsync($"/api/chats/{chatId}/messages{query}");
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<List<ChatMessage>>(Json))!;
    }

    /// <summary>Reads a channel's stored events (<c>GET /api/channels/{channel}/events</c>) as <paramref name="user"/>.</summary>
    public async Task<List<JsonElement>> GetChannelEventsAsync(TestUser user, string channel, string query = "")
    {
        using var http = CreateClient(user);
        var response = await http.GetAsync($"/api/channels/{channel}/events{query}");
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<List<JsonElement>>(Json))!;
    }

    /// <summary>Reads a problem-details response and returns its <c>code</c>.</summary>
    public static async Task<string?> ReadCodeAsync(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.TryGetProperty("code", out var code) ? code.GetString() : null;
    }
}
