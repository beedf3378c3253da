namespace Netra.Server.Backplane;

/// <summary>
/// A send to connections as a <see cref="ValueTask{Task}"/>: the outer task completes once the send is issued (every
/// connection has the bytes in its pipe, or queued behind its earlier writes, in order), its result once every
/// connection has taken them (NetraHubLifetimeManager.Local.cs).
/// </summary>
internal static class IssuedSend
{
    /// <summary>A send that is issued at once (one connection, or no connection at all); <paramref name="writes"/> is its writes.</summary>
    public static ValueTask<Task> Of(Task writes) => new(writes);

    /// <summary>The writes of an issued send, as one task: what SignalR's own send methods complete with.</summary>
    public static Task WrittenAsync(this ValueTask<Task> issue) => issue.IsCompletedSuccessfully ? issue.Result : issue.AsTask().Unwrap();
}
