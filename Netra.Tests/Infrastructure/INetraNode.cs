namespace Netra.Tests.Infrastructure;

/// <summary>Something that serves Netra at an address: a node in this process, a node in its own process, or a load balancer.</summary>
public interface INetraNode
{
    Uri BaseAddress { get; }

    Uri HubUrl => new(BaseAddress, "/ws");

    HttpClient CreateHttpClient() => new() { BaseAddress = BaseAddress, Timeout = TestTimeouts.Network };
}
