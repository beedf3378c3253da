using System.Text.Json;
using Netra.Contracts.Realtime;

namespace Netra.Contracts.Events;

/// <summary>An event published by a backend service to a channel (issues, alerts, custom channels).</summary>
public sealed record ChannelEventMessage(
    string Channel,
    long Seq,
    string Type,
    JsonElement Payload,
    DateTimeOffset Timestamp) : ISequencedEvent;
