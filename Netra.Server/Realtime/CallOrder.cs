namespace Netra.Server.Realtime;

/// <summary>
/// Kept in a connection's features: the order of its hub calls. SignalR runs up to
/// <see cref="RealtimeOptions.MaxParallelCallsPerConnection"/> calls of a connection at once, which lets a
/// client keep several sends in flight; this keeps them in the order the client made them. Each call
/// takes a <see cref="CallTurn"/> when it arrives and starts once the call before it released its turn:
/// when it ended, or, for <c>SendMessage</c>, as soon as the message was queued for storage (the queue
/// keeps the order from there). Calls therefore behave as if run one at a time, except that sends overlap
/// while they are written. A call that finds no call before it in flight allocates nothing to wait on.
/// </summary>
internal sealed class CallOrder
{
    private readonly Lock gate = new();
    private CallTurn? last;

    /// <summary>The next call's turn. Call in arrival order (the hub dispatcher's loop, before anything awaits).</summary>
    public CallTurn Next()
    {
        lock (gate)
        {
            var turn = new CallTurn(this, last);
            last = turn;
            return turn;
        }
    }

    /// <summary>One call's place in its connection's order.</summary>
    internal sealed class CallTurn
    {
        private readonly CallOrder order;
        private CallTurn? previous;
        private bool released;
        private TaskCompletionSource? next;

        internal CallTurn(CallOrder order, CallTurn? previous)
        {
            this.order = order;
            this.previous = previous;
        }

        /// <summary>Completes when the call before this one released its turn (at once when it has).</summary>
        public Task WaitForPreviousAsync()
        {
            lock (order.gate)
            {
                if (previous is null || previous.released)
                {
                    previous = null;
                    return Task.CompletedTask;
                }

                var waiting = previous.next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                previous = null; // no chain of finished turns is kept alive
                return waiting.Task;
            }
        }

        /// <summary>Lets the next call start; any later release is a no-op.</summary>
        public void Release()
        {
            TaskCompletionSource? waiting;
            lock (order.gate)
            {
                if (released)
                {
                    return;
                }

                released = true;
                waiting = next;
                if (order.last == this)
                {
                    order.last = null;
                }
            }

            waiting?.TrySetResult();
        }
    }
}
