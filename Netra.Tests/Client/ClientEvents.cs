using System.Threading.Channels;
using Netra.Client;
using Netra.Contracts.Chat;
using Netra.Tests.Infrastructure;

namespace Netra.Tests.Client;

/// <summary>Records what a <see cref="NetraClient"/> raises, so that tests can await it in order.</summary>
internal sealed class ClientEvents
{
    private readonly Channel<ChatMessage> messages = Channel.CreateUnbounded<ChatMessage>();
    private readonly Channel<NetraStateChange> states = Channel.CreateUnbounded<NetraStateChange>();
    private readonly Channel<NetraResumeIncomplete> incomplete = Channel.CreateUnbounded<NetraResumeIncomplete>();

    public ClientEvents(NetraClient client)
    {
        client.NewMessage += message => messages.Writer.TryWrite(message);
        client.StateChanged += change => states.Writer.TryWrite(change);
        client.ResumeIncomplete += gap => incomplete.Writer.TryWrite(gap);
    }

    public async Task<ChatMessage> NextMessageAsync() =>
        await messages.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Network);

    public async Task<IReadOnlyList<ChatMessage>> NextMessagesAsync(int count)
    {
        var received = new List<ChatMessage>();
        for (var i = 0; i < count; i++)
        {
            received.Add(await NextMessageAsync());
        }

        return received;
    }

    /// <summary>True when no further message arrives within <see cref="TestTimeouts.Quiet"/>.</summary>
    public async Task<bool> NoMoreMessagesAsync()
    {
        try
        {
            await messages.Reader.WaitToReadAsync().AsTask().WaitAsync(TestTimeouts.Quiet);
            return false;
        }
        catch (TimeoutException)
        {
            return true;
        }
    }

    /// <summary>Skips state changes until <paramref name="state"/> and returns that change.</summary>
    public async Task<NetraStateChange> WaitForStateAsync(NetraConnectionState state)
    {
        while (true)
        {
            var change = await states.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Network);
            if (change.State == state)
            {
                return change;
            }
        }
    }

    public async Task<NetraResumeIncomplete> NextResumeIncompleteAsync() =>
        await incomplete.Reader.ReadAsync().AsTask().WaitAsync(TestTimeouts.Network);
}
