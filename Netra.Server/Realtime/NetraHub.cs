using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Netra.Contracts.Agents;
using Netra.Contracts.Chat;
using Netra.Contracts.Realtime;
using Netra.Server.Agents;
using Netra.Server.Auth;
using Netra.Server.Backplane;
using Netra.Server.Chat;
using Netra.Server.Presence;

namespace Netra.Server.Realtime;

/// <summary>
/// The one hub, at <c>/ws</c>. Thin by design: it identifies the caller, delegates to the
/// feature's service and returns. It keeps no state; channels are SignalR groups.
/// </summary>
[Authorize]
internal sealed class NetraHub(
    SubscriptionService subscriptions,
    ChatService chats,
    PresenceService presence,
    MessageChangeService changes,
    AgentRunService agents,
    IOptions<RealtimeOptions> realtime,
    TimeProvider time,
    ILogger<NetraHub> logger) : Hub<INetraClient>
{
    public const string ProtocolVersion = "1";

    /// <summary>This call's place in its connection's order, set by <see cref="CallOrderFilter"/>.</summary>
    internal CallOrder.CallTurn? Turn { get; set; }

    public override async Task OnConnectedAsync()
    {
        var user = Context.User!;
        var userId = user.GetUserId();
        RealtimeLog.Connected(logger, Context.ConnectionId, userId);
        await Clients.Caller.ConnectionEstablished(new ConnectionEstablishedEvent(
            Context.ConnectionId,
            userId,
            user.GetUserName(),
            ProtocolVersion,
            realtime.Value.KeepAliveSeconds * 1000,
            realtime.Value.ClientTimeoutSeconds * 1000,
            time.GetUtcNow()));
        await presence.ConnectedAsync(userId, Context.ConnectionId, Context.ConnectionAborted);
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        RealtimeLog.Disconnected(logger, Context.ConnectionId, Context.UserIdentifier, exception?.Message);
        await presence.DisconnectedAsync(Context.User!.GetUserId(), Context.ConnectionId);
        await chats.ConnectionClosedAsync(Context.ConnectionId);
    }

    public Task<SubscribeResult> Subscribe(string? channel, long? sinceSeq) =>
        subscriptions.SubscribeAsync(
            Context.User!.GetUserId(), Context.ConnectionId, Context.Features.Get<ConnectionGroupsFeature>(), channel, sinceSeq, Context.ConnectionAborted);

    public Task Unsubscribe(string? channel) =>
        subscriptions.UnsubscribeAsync(Context.User!.GetUserId(), Context.ConnectionId, channel, Context.ConnectionAborted);

    public Task<ChatMessage> SendMessage(SendMessageRequest? request) =>
        chats.SendAsync(Context.User!.GetUserId(), request, Turn, Context.ConnectionAborted);

    public Task<ChatMessage> EditMessage(EditMessageRequest? request) =>
        changes.EditAsync(Context.User!.GetUserId(), request, Context.ConnectionAborted);

    public Task DeleteMessage(DeleteMessageRequest? request) =>
        changes.DeleteAsync(Context.User!.GetUserId(), request, Context.ConnectionAborted);

    public Task<long> MarkRead(long chatId, long seq) =>
        changes.MarkReadAsync(Context.User!.GetUserId(), chatId, seq, Context.ConnectionAborted);

    public Task SetTyping(long chatId, bool isTyping) =>
        chats.SetTypingAsync(Context.User!.GetUserId(), Context.User!.GetUserName(), Context.ConnectionId, chatId, isTyping, Context.ConnectionAborted);

    public Task SetPresence(string? status) =>
        presence.SetStatusAsync(Context.User!.GetUserId(), status, Context.ConnectionAborted);

    public PingResult Ping() => new(time.GetUtcNow());

    /// <summary>Starts an agent run and streams its events; cancelling the stream stops the run.</summary>
    public Task<ChannelReader<AgentEvent>> StartAgentRun(StartAgentRunRequest? request, CancellationToken cancellationToken) =>
        agents.StartRunAsync(Context.User!.GetUserId(), Context.User!.GetUserName(), Context.ConnectionId, request, Context.ConnectionAborted, cancellationToken);
}
