using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Contracts.Events;
using Netra.Contracts.Realtime;
using Netra.Server.Errors;
using Netra.Server.Metrics;
using Netra.Server.Protection;
using Netra.Server.Realtime;

namespace Netra.Server.Events;

/// <summary>
/// Durable events of non-chat channels: stored with the channel's next seq, then broadcast to the channel's
/// group; replayed to a resuming subscriber and paged by the history API under the kind's retention.
/// </summary>
internal sealed class ChannelEventService(
    ChannelEventStore store,
    IHubContext<NetraHub, INetraClient> hub,
    IOptions<EventsOptions> options,
    NetraMetrics metrics,
    TimeProvider time,
    ILogger<ChannelEventService> logger)
{
    public const int MaxTypeLength = 64;

    internal static readonly JsonSerializerOptions WireJson = new(JsonSerializerDefaults.Web);

    /// <summary>Stores and broadcasts a <see cref="ChannelEventMessage"/>, sent as <paramref name="eventName"/> (ChannelEvent, IssueUpdated or AlertTriggered).</summary>
    public async Task<ChannelEventMessage> PublishAsync(ChannelName channel, string eventName, string? type, JsonElement? payload, CancellationToken cancellationToken)
    {
        var (draft, json) = Draft(channel, type, payload);
        var (seq, _) = await store.AppendAsync(channel, eventName, json, cancellationToken);
        var stored = draft with { Seq = seq };
        EventsLog.EventStored(logger, channel.Name, seq, eventName, draft.Type);
        await BroadcastAsync(stored, eventName);
        return stored;
    }

    /// <summary>
    /// Stores <paramref name="events"/> as <c>ChannelEvent</c>s, all or none, then broadcasts them in the order given. Every
    /// event is checked (its channel by <paramref name="channelOf"/>) before anything is stored; a refusal names the first
    /// bad one (<c>events[i]</c>) with the code a single publish of it would get.
    /// </summary>
    public async Task<IReadOnlyList<ChannelEventMessage>> PublishBatchAsync(
        IReadOnlyList<PublishRequest?>? events, Func<string?, ChannelName> channelOf, CancellationToken cancellationToken)
    {
        var max = options.Value.MaxBatchEvents;
        if (events is not { Count: > 0 } || events.Count > max)
        {
            throw ProblemException.Validation($"events must hold 1 to {max} events (Netra:Events:MaxBatchEvents).");
        }

        var drafts = events.Select((e, i) => ProblemException.Within($"events[{i}]", () =>
        {
            var request = e ?? throw ProblemException.Validation("must be an event {channel, type, payload}.");
            var channel = channelOf(request.Channel);
            var (message, json) = Draft(channel, request.Type, request.Payload);
            return (Channel: channel, Message: message, Json: json);
        })).ToList();
        const string eventName = nameof(INetraClient.ChannelEvent);
        var seqs = await store.AppendBatchAsync(drafts.Select(d => (d.Channel, eventName, d.Json)).ToList(), cancellationToken);
        var stored = drafts.Select((d, i) => d.Message with { Seq = seqs[i] }).ToList();
        EventsLog.BatchStored(logger, stored.Count);
        foreach (var message in stored)
        {
            await BroadcastAsync(message, eventName);
        }

        return stored;
    }

    /// <summary>The event as it will be stored and sent (seq 0 until stored) and its JSON, checked against the limits.</summary>
    private (ChannelEventMessage Message, string Json) Draft(ChannelName channel, string? type, JsonElement? payload)
    {
        var eventType = InputRules.RequireText(type, "type", MaxTypeLength);
        var body = payload ?? JsonSerializer.SerializeToElement(new { }, WireJson);
        InputRules.RequireStorableJson(body, "payload");
        var draft = new ChannelEventMessage(channel.Name, 0, eventType, body, time.GetUtcNow());
        var json = JsonSerializer.Serialize(draft, WireJson);
        if (System.Text.Encoding.UTF8.GetByteCount(json) > options.Value.MaxPayloadBytes)
        {
            throw new ProblemException(ErrorCodes.MessageTooLarge, $"The event is larger than {options.Value.MaxPayloadBytes} bytes (Netra:Events:MaxPayloadBytes).");
        }

        return (draft, json);
    }

    /// <summary>For a subscribe: the channel head, whether everything after <paramref name="sinceSeq"/> is still kept, and those events.</summary>
    public async Task<(long LastSeq, bool Recovered, IReadOnlyList<JsonElement> Missed)> GetMissedAsync(
        ChannelName channel, long? sinceSeq, CancellationToken cancellationToken)
    {
        var head = await store.GetHeadAsync(channel.Name, cancellationToken);
        if (sinceSeq is null || sinceSeq >= head)
        {
            return (head, true, []);
        }

        var limit = options.Value.MaxReplay;
        var missed = await store.ReadAsync(channel.Name, sinceSeq.Value, long.MaxValue, limit + 1, fromEnd: false, options.Value.RetentionOf(channel.Kind), cancellationToken);
        // Recovered only when nothing after sinceSeq has been dropped by retention and the rest fits one replay.
        var recovered = missed.Count is > 0 && missed.Count <= limit && missed[0].Seq == sinceSeq + 1;
        if (!recovered)
        {
            return (head, false, []);
        }

        return (Math.Max(head, missed[^1].Seq), true, missed.Select(e => e.Payload).ToList());
    }

    /// <summary>Events with <paramref name="afterSeq"/> &lt; seq &lt;= <paramref name="upToSeq"/>, in order.</summary>
    public async Task<IReadOnlyList<JsonElement>> GetRangeAsync(ChannelName channel, long afterSeq, long upToSeq, CancellationToken cancellationToken) =>
        (await store.ReadAsync(channel.Name, afterSeq, upToSeq + 1, (int)Math.Min(upToSeq - afterSeq, int.MaxValue), fromEnd: false, options.Value.RetentionOf(channel.Kind), cancellationToken))
        .Select(e => e.Payload).ToList();

    public async Task<IReadOnlyList<JsonElement>> GetHistoryAsync(ChannelName channel, long? afterSeq, long? beforeSeq, int? limit, CancellationToken cancellationToken)
    {
        if (afterSeq < 0 || beforeSeq < 1)
        {
            throw ProblemException.Validation("afterSeq must be 0 or more and beforeSeq 1 or more.");
        }

        if (limit is < 1 || limit > options.Value.MaxPageSize)
        {
            throw ProblemException.Validation($"limit must be between 1 and {options.Value.MaxPageSize}.");
        }

        var fromEnd = afterSeq is null && beforeSeq is not null;
        var events = await store.ReadAsync(
            channel.Name, afterSeq ?? 0, beforeSeq ?? long.MaxValue, limit ?? 50, fromEnd, options.Value.RetentionOf(channel.Kind), cancellationToken);
        return events.Select(e => e.Payload).ToList();
    }

    private async Task BroadcastAsync(ChannelEventMessage message, string eventName)
    {
        try
        {
            var group = hub.Clients.Group(message.Channel);
            await (eventName switch
            {
                nameof(INetraClient.IssueUpdated) => group.IssueUpdated(message),
                nameof(INetraClient.AlertTriggered) => group.AlertTriggered(message),
                _ => group.ChannelEvent(message),
            });
            metrics.MessageBroadcast();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Stored: subscribers that missed the push get it on resume.
            EventsLog.BroadcastFailed(logger, message.Channel, message.Seq, exception);
        }
    }
}
