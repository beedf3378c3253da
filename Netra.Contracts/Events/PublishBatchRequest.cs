namespace Netra.Contracts.Events;

/// <summary>
/// <c>POST /api/publish/batch</c>: a backend service publishes <paramref name="Events"/> at once, each as
/// <c>POST /api/publish</c> would; all of them are stored, or none. Answered with a <see cref="PublishResult"/> per event, in order.
/// </summary>
public sealed record PublishBatchRequest(IReadOnlyList<PublishRequest?>? Events);
