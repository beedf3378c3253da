using Microsoft.AspNetCore.SignalR;

namespace Netra.Bench.StockSignalR;

/// <summary>What a team would write with SignalR alone: join a group, publish to it, echo.</summary>
public sealed class BenchHub : Hub
{
    public Task Subscribe(string group) => Groups.AddToGroupAsync(Context.ConnectionId, group);

    public Task Publish(string group, string payload) => Clients.Group(group).SendAsync("msg", payload);

    public string Echo(string payload) => payload;
}
