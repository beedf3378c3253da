using System.Net;
using System.Net.Sockets;

namespace Netra.Tests.Infrastructure;

/// <summary>
/// A layer-4 load balancer on a loopback port, as in front of a Netra cluster: round robin without sticky
/// sessions (each new TCP connection goes to the next backend that accepts it), bytes copied both ways until
/// either side closes. WebSockets pass through untouched; when a backend dies, its clients' reconnects land on
/// the others. <see cref="DropOne"/> cuts a random live connection, as a flaky network would. Without backends,
/// on a stopped node's port, it holds that port while the node is down: every connection is closed at once.
/// </summary>
public sealed class TcpLoadBalancer : INetraNode, IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly IReadOnlyList<Uri> backends;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task accepting;
    private readonly List<TcpClient> open = [];
    private int next;

    /// <param name="backends">Where connections go, in turn.</param>
    /// <param name="port">The loopback port to listen on; 0 for a free one.</param>
    public TcpLoadBalancer(IReadOnlyList<Uri> backends, int port = 0)
    {
        this.backends = backends;
        listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        accepting = Task.Run(AcceptAsync);
    }

    public Uri BaseAddress { get; }

    /// <summary>Connections forwarded so far.</summary>
    public int Forwarded { get; private set; }

    /// <summary>Resets one forwarded connection, chosen at random; false when none is open.</summary>
    public bool DropOne()
    {
        TcpClient? victim;
        lock (open)
        {
            if (open.Count == 0)
            {
                return false;
            }

            victim = open[Random.Shared.Next(open.Count)];
            open.Remove(victim);
        }

        victim.Client.LingerState = new LingerOption(true, 0); // RST, like a dropped network
        victim.Dispose();
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        try
        {
            await accepting;
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped while waiting for a connection: expected.
        }

        stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stopping.Token);
            _ = Task.Run(() => ForwardAsync(client));
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using (client)
        {
            using var backend = await ConnectToFirstLiveBackendAsync().ConfigureAwait(false);
            if (backend is null)
            {
                return; // every backend is down: the client sees the connection close, as behind a real balancer
            }

            lock (open)
            {
                open.Add(client);
                Forwarded++;
            }

            var upstream = client.GetStream();
            var downstream = backend.GetStream();
            // Whichever direction ends first (a close, or a reset from a killed node), both sockets close.
            await Task.WhenAny(CopyAsync(upstream, downstream), CopyAsync(downstream, upstream));
            lock (open)
            {
                open.Remove(client);
            }
        }
    }

    private async Task<TcpClient?> ConnectToFirstLiveBackendAsync()
    {
        var first = Interlocked.Increment(ref next);
        for (var i = 0; i < backends.Count; i++)
        {
            var backend = backends[(first - 1 + i) % backends.Count];
            var connection = new TcpClient();
            try
            {
                await connection.ConnectAsync(backend.Host, backend.Port, stopping.Token);
                return connection;
            }
            catch (SocketException)
            {
                connection.Dispose(); // this backend is down: try the next
            }
            catch (OperationCanceledException)
            {
                connection.Dispose(); // the balancer is stopping
                return null;
            }
        }

        return null;
    }

    private async Task CopyAsync(NetworkStream from, NetworkStream to)
    {
        try
        {
            await from.CopyToAsync(to, stopping.Token);
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // One side went away; the caller closes both.
        }
    }
}
