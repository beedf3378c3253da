using Netra.Tests.Infrastructure;

namespace Netra.Tests.Backplane;

/// <summary>A user's client and the node it is connected to, with its server-side connection id.</summary>
public sealed record NodeClient(NetraTestServer Node, UserClient Client, string ConnectionId) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
