using Netra.Contracts.Chat;

namespace Netra.Client.Internal;

/// <summary>A <c>SendMessage</c> waiting in the offline queue; <see cref="Order"/> is the order of the calls.</summary>
internal sealed class PendingSend(long order, SendMessageRequest request)
{
    public long Order { get; } = order;

    public SendMessageRequest Request { get; } = request;

    /// <summary>
    /// True once a send to the server was cut off by a dropped connection: it is retried first and does
    /// not count against the offline queue's capacity (the caller's send was already accepted).
    /// </summary>
    public bool Interrupted { get; set; }

    public TaskCompletionSource<ChatMessage> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
