using System.Text.Json;

namespace Netra.Contracts.Realtime;

/// <summary>
/// Result of <c>Subscribe(channel, sinceSeq)</c>. <see cref="Missed"/> holds the same
/// objects live delivery sends for that channel (chat messages for <c>chat:{id}</c>),
/// in seq order. <see cref="Recovered"/> is false when the server could not return
/// everything after <c>sinceSeq</c> and the client should reload from history.
/// </summary>
public sealed record SubscribeResult(
    string Channel,
    long LastSeq,
    bool Recovered,
    IReadOnlyList<JsonElement> Missed);
