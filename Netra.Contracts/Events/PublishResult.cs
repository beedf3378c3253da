namespace Netra.Contracts.Events;

/// <summary>What a publish stored: the channel and the seq the event took there.</summary>
public sealed record PublishResult(string Channel, long Seq);
