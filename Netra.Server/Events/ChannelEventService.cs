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

    /// <summary>The request header that makes a publish call safe to retry (<see cref="PublishAsync"/>).</summary>
    public const string IdempotencyHeader = "Idempotency-Key";

    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>
    /// Checks an event to be sent as <paramref name="eventName"/> (ChannelEvent, IssueUpdated or AlertTriggered) against
    /// the limits and makes it ready to store.
    /// </summary>
    public PreparedEvent Prepare(ChannelName channel, string eventName, string? type, JsonElement? payload)
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

        return new PreparedEvent(channel, eventName, draft, json);
    }

    /// <summary>
    /// For <c>POST /api/publish/batch</c>: every event checked (its channel by <paramref name="channelOf"/>) as
    /// <c>ChannelEvent</c>s; a refusal names the first bad one (<c>events[i]</c>) with the code a single publish of it would get.
    /// </summary>
    public IReadOnlyList<PreparedEvent> PrepareBatch(IReadOnlyList<PublishRequest?>? events, Func<string?, ChannelName> channelOf)
    {
        var max = options.Value.MaxBatchEvents;
        if (events is not { Count: > 0 } || events.Count > max)
        {
            throw ProblemException.Validation($"events must hold 1 to {max} events (Netra:Events:MaxBatchEvents).");
        }

        return events.Select((e, i) => ProblemException.Within($"events[{i}]", () =>
        {
            var request = e ?? throw ProblemException.Validation("must be an event {channel, type, payload}.");
            return Prepare(channelOf(request.Channel), nameof(INetraClient.ChannelEvent), request.Type, request.Payload);
        })).ToList();
    }

    /// <summary>
    /// Stores the events of one publish call, all or none (each channel's events take its next seqs in the order given),
    /// then broadcasts them in that order. With an <paramref name="idempotencyKey"/> (per service, kept 24 hours), a call
    /// that repeats one already stored stores and sends nothing and answers what the first stored; one that reuses the
    /// key for a different request (another <paramref name="operation"/> or other events) is a <c>CONFLICT</c>.
    /// </summary>
    public async Task<PublishOutcome> PublishAsync(
        string operation, IReadOnlyList<PreparedEvent> events, long serviceId, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var key = idempotencyKey is null ? null : new PublishKey(serviceId, RequireKey(idempotencyKey), Fingerprint(operation, events));
        var (seqs, replayOf) = await store.AppendAsync(events.Select(e => (e.Channel, e.EventName, e.Json)).ToList(), key, cancellationToken);
        if (replayOf is not null)
        {
            if (replayOf != key!.Fingerprint || seqs.Length != events.Count)
            {
                throw new ProblemException(ErrorCodes.Conflict,
                    $"{IdempotencyHeader} '{key.Key}' was used for a different request within {ChannelEventStore.PublishKeyHours} hours; use a new key for a new request.");
            }

            EventsLog.PublishReplayed(logger, serviceId, key.Key, events.Count);
            return new PublishOutcome(events.Select((e, i) => new PublishResult(e.Channel.Name, seqs[i])).ToList(), Replayed: true);
        }

        var stored = events.Select((e, i) => (e.EventName, Message: e.Message with { Seq = seqs[i] })).ToList();
        foreach (var (eventName, message) in stored)
        {
            EventsLog.EventStored(logger, message.Channel, message.Seq, eventName, message.Type);
            await BroadcastAsync(message, eventName);
        }

        return new PublishOutcome(stored.Select(e => new PublishResult(e.Message.Channel, e.Message.Seq)).ToList(), Replayed: false);
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

    /// <summary>1 to <see cref="MaxIdempotencyKeyLength"/> visible ASCII characters (a UUID, say).</summary>
    private static string RequireKey(string key) =>
        key.Length is > 0 and <= MaxIdempotencyKeyLength && key.All(static c => c is > ' ' and <= '~')
            ? key
            : throw ProblemException.Validation($"{IdempotencyHeader} must be 1 to {MaxIdempotencyKeyLength} visible ASCII characters.");

    /// <summary>What makes two calls the same request: the operation and each event's channel, name, type and payload as sent.</summary>
    private static string Fingerprint(string operation, IReadOnlyList<PreparedEvent> events)
    {
        var text = new System.Text.StringBuilder(operation);
        foreach (var e in events)
        {
            text.Append('\n').Append(e.Channel.Name).Append('\n').Append(e.EventName).Append('\n').Append(e.Message.Type).Append('\n').Append(e.Message.Payload.GetRawText());
        }

        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())));
    }
}

/// <summary>An event checked and ready to store: sent as <paramref name="EventName"/>; <paramref name="Message"/> has seq 0 until stored; <paramref name="Json"/> is what is stored.</summary>
internal sealed record PreparedEvent(ChannelName Channel, string EventName, ChannelEventMessage Message, string Json);

/// <summary>What a publish call stored, in the order of its events; <paramref name="Replayed"/>: what an earlier call with the same idempotency key stored.</summary>
internal sealed record PublishOutcome(IReadOnlyList<PublishResult> Results, bool Replayed);
