using System.Net;
using System.Net.Sockets;

namespace Netra.Tests.Infrastructure;

/// <summary>Free TCP ports on the loopback interface.</summary>
internal static class FreePort
{
    /// <summary>
    /// A port the kernel considers free on 127.0.0.1 right now. Another process can
    /// take it before we bind it, so servers started on it retry on a new one.
    /// </summary>
    public static int Next()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
