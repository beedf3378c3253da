using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Netra.Server.Health;

/// <summary>
/// Readiness of the configured Redis: a RESP PING over a fresh loopback-or-remote socket, so the
/// check needs no long-lived client of its own and says exactly whether Redis answers.
/// </summary>
internal sealed class RedisHealthCheck(string connectionString) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var endpoint = connectionString.Split(',')[0].Trim();
        var separator = endpoint.LastIndexOf(':');
        var host = separator > 0 ? endpoint[..separator] : endpoint;
        var port = separator > 0 && int.TryParse(endpoint[(separator + 1)..], out var parsed) ? parsed : 6379;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            using var client = new TcpClient();
            await client.ConnectAsync(host, port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("*1\r\n$4\r\nPING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            var reply = Encoding.ASCII.GetString(buffer, 0, read);
            return reply.StartsWith("+PONG", StringComparison.Ordinal)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"Redis answered '{reply.Trim()}' to PING.");
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"Redis at {host}:{port} does not answer.", exception);
        }
    }
}
