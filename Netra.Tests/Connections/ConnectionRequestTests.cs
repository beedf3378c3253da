using System.Net;
using System.Net.Http.Json;
using FluentAssertions;
using Netra.Contracts;
using Netra.Contracts.Notifications;
using Netra.Tests.Infrastructure;
using Xunit;

namespace Netra.Tests.Connections;

/// <summary>Connection requests: ConnectionRequest to the target, ConnectionAccepted to the requester, declining deletes quietly, one per pair, both persisted.</summary>
public sealed class ConnectionRequestTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task ARequestReachesTheTargetAndAcceptingItReachesTheRequesterEachWithANotification()
    {
        var alice = await fixture.Api.CreateUserAsync("alice");
        var bob = await fixture.Api.CreateUserAsync("bob");
        await using var aliceHub = await UserClient.ConnectAsync(fixture.Server, alice);
        await using var bobHub = await UserClient.ConnectAsync(fixture.Server, bob);

        var request = await RequestAsync(alice, bob.Id);
        request.Should().BeEquivalentTo(new { FromUserId = alice.Id, FromUserName = alice.DisplayName, ToUserId = bob.Id, ToUserName = bob.DisplayName, Status = "pending", AcceptedAt = (DateTimeOffset?)null });
        var received = await bobHub.ConnectionRequests.NextAsync();
        received.Should().BeEquivalentTo(new { RequestId = request.Id, FromUserId = alice.Id, FromUserName = alice.DisplayName });
        var bobNotice = await bobHub.Notifications.NextAsync();
        bobNotice.Type.Should().Be(NotificationTypes.ConnectionRequest);
        bobNotice.Data.GetProperty("requestId").GetInt64().Should().Be(request.Id);
        (await aliceHub.ConnectionRequests.StaysQuietAsync()).Should().BeTrue();

        (await ListAsync(bob, "/api/connections/requests?direction=incoming")).Select(r => r.Id).Should().Equal(request.Id);
        (await ListAsync(alice, "/api/connections/requests?direction=outgoing")).Select(r => r.Id).Should().Equal(request.Id);
        (await ListAsync(alice, "/api/connections/requests?direction=incoming")).Should().BeEmpty();

        using var bobHttp = fixture.Api.CreateClient(bob);
        var accept = await bobHttp.PostAsync($"/api/connections/requests/{request.Id}/accept", null);
        accept.StatusCode.Should().Be(HttpStatusCode.OK, await accept.Content.ReadAsStringAsync());
        (await accept.Content.ReadFromJsonAsync<ConnectionRequestInfo>(NetraApi.Json))!.Status.Should().Be("accepted");
        var accepted = await aliceHub.ConnectionAccepts.NextAsync();
        accepted.Should().BeEquivalentTo(new { RequestId = request.Id, UserId = bob.Id, UserName = bob.DisplayName });
        (await aliceHub.Notifications.NextAsync()).Type.Should().Be(NotificationTypes.ConnectionAccepted);

        (await ListAsync(alice, "/api/connections")).Select(r => (r.Id, r.Status)).Should().Equal((request.Id, "accepted"));
        (await ListAsync(bob, "/api/connections")).Select(r => r.Id).Should().Equal(request.Id);
        (await ListAsync(bob, "/api/connections/requests")).Should().BeEmpty();
    }

    [Fact]
    public async Task DuplicatesEitherWaySelfRequestsMissingUsersAndBadIdsAreRefused()
    {
        var alice = await fixture.Api.CreateUserAsync("alice");
        var bob = await fixture.Api.CreateUserAsync("bob");
        var request = await RequestAsync(alice, bob.Id);

        await ExpectAsync(alice, new { toUserId = bob.Id }, HttpStatusCode.Conflict, ErrorCodes.Conflict);
        await ExpectAsync(bob, new { toUserId = alice.Id }, HttpStatusCode.Conflict, ErrorCodes.Conflict);
        await ExpectAsync(alice, new { toUserId = alice.Id }, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        await ExpectAsync(alice, new { toUserId = 999_999_999 }, HttpStatusCode.NotFound, ErrorCodes.NotFound);
        await ExpectAsync(alice, new { toUserId = -1 }, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        await ExpectAsync(alice, new { }, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);
        await ExpectAsync(alice, new { toUserId = "bob" }, HttpStatusCode.BadRequest, ErrorCodes.ValidationFailed);

        using (var bobHttp = fixture.Api.CreateClient(bob))
        {
            (await bobHttp.PostAsync($"/api/connections/requests/{request.Id}/accept", null)).StatusCode.Should().Be(HttpStatusCode.OK);
            var again = await bobHttp.PostAsync($"/api/connections/requests/{request.Id}/accept", null);
            (await NetraApi.ReadCodeAsync(again)).Should().Be(ErrorCodes.Conflict);
        }

        // Accepted: still one per pair, either way.
        await ExpectAsync(bob, new { toUserId = alice.Id }, HttpStatusCode.Conflict, ErrorCodes.Conflict);
    }

    [Fact]
    public async Task OnlyTheTargetMayAcceptTheRequesterIsForbiddenAndAnyoneElseGetsNotFound()
    {
        var alice = await fixture.Api.CreateUserAsync("alice");
        var bob = await fixture.Api.CreateUserAsync("bob");
        var mallory = await fixture.Api.CreateUserAsync("mallory");
        var request = await RequestAsync(alice, bob.Id);

        using var aliceHttp = fixture.Api.CreateClient(alice);
        var own = await aliceHttp.PostAsync($"/api/connections/requests/{request.Id}/accept", null);
        own.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await NetraApi.ReadCodeAsync(own)).Should().Be(ErrorCodes.Forbidden);

        using var malloryHttp = fixture.Api.CreateClient(mallory);
        var stranger = await malloryHttp.PostAsync($"/api/connections/requests/{request.Id}/accept", null);
        stranger.StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await malloryHttp.PostAsync("/api/connections/requests/999999999/accept", null)).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await NetraApi.ReadCodeAsync(await malloryHttp.GetAsync("/api/connections/requests?direction=sideways"))).Should().Be(ErrorCodes.ValidationFailed);

        (await ListAsync(bob, "/api/connections/requests?direction=incoming")).Single().Status.Should().Be("pending");
        using var anonymous = fixture.Api.CreateClient(null);
        (await anonymous.PostAsJsonAsync("/api/connections/requests", new { toUserId = bob.Id })).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task TheTargetMayDeclineAPendingRequestWhichIsThenGoneWithoutTellingTheRequesterAndMayBeAskedAgain()
    {
        var alice = await fixture.Api.CreateUserAsync("alice");
        var bob = await fixture.Api.CreateUserAsync("bob");
        var mallory = await fixture.Api.CreateUserAsync("mallory");
        await using var aliceHub = await UserClient.ConnectAsync(fixture.Server, alice);
        var request = await RequestAsync(alice, bob.Id);

        // Only the target declines: the requester is forbidden, anyone else (or no such request) is not found.
        (await DeclineAsync(alice, request.Id)).Should().Be((HttpStatusCode.Forbidden, ErrorCodes.Forbidden));
        (await DeclineAsync(mallory, request.Id)).Should().Be((HttpStatusCode.NotFound, ErrorCodes.NotFound));
        (await DeclineAsync(bob, 999_999_999)).Should().Be((HttpStatusCode.NotFound, ErrorCodes.NotFound));
        (await ListAsync(bob, "/api/connections/requests?direction=incoming")).Select(r => r.Id).Should().Equal(request.Id);

        (await DeclineAsync(bob, request.Id)).Should().Be((HttpStatusCode.NoContent, (string?)null));
        (await ListAsync(bob, "/api/connections/requests")).Should().BeEmpty();
        (await ListAsync(alice, "/api/connections/requests")).Should().BeEmpty();
        (await ListAsync(alice, "/api/connections")).Should().BeEmpty();
        (await aliceHub.ConnectionAccepts.StaysQuietAsync()).Should().BeTrue("a decline tells the requester nothing");
        (await DeclineAsync(bob, request.Id)).Should().Be((HttpStatusCode.NotFound, ErrorCodes.NotFound));

        // Gone: either of them may ask again; an accepted request cannot be declined.
        var again = await RequestAsync(bob, alice.Id);
        again.Id.Should().NotBe(request.Id);
        using (var aliceHttp = fixture.Api.CreateClient(alice))
        {
            (await aliceHttp.PostAsync($"/api/connections/requests/{again.Id}/accept", null)).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        (await DeclineAsync(alice, again.Id)).Should().Be((HttpStatusCode.Conflict, ErrorCodes.Conflict));
        (await ListAsync(alice, "/api/connections")).Select(r => (r.Id, r.Status)).Should().Equal((again.Id, "accepted"));
    }

    private async Task<ConnectionRequestInfo> RequestAsync(TestUser from, long toUserId)
    {
        using var http = fixture.Api.CreateClient(from);
        var response = await http.PostAsJsonAsync("/api/connections/requests", new CreateConnectionRequest(toUserId));
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ConnectionRequestInfo>(NetraApi.Json))!;
    }

    private async Task<(HttpStatusCode Status, string? Code)> DeclineAsync(TestUser user, long requestId)
    {
        using var http = fixture.Api.CreateClient(user);
        var response = await http.PostAsync($"/api/connections/requests/{requestId}/decline", null);
        return (response.StatusCode, response.IsSuccessStatusCode ? null : await NetraApi.ReadCodeAsync(response));
    }

    private async Task ExpectAsync(TestUser from, object body, HttpStatusCode status, string code)
    {
        using var http = fixture.Api.CreateClient(from);
        var response = await http.PostAsJsonAsync("/api/connections/requests", body);
        response.StatusCode.Should().Be(status, System.Text.Json.JsonSerializer.Serialize(body));
        (await NetraApi.ReadCodeAsync(response)).Should().Be(code);
    }

    private async Task<List<ConnectionRequestInfo>> ListAsync(TestUser user, string path)
    {
        using var http = fixture.Api.CreateClient(user);
        return (await http.GetFromJsonAsync<List<ConnectionRequestInfo>>(path, NetraApi.Json))!;
    }
}
