namespace Netra.Server.Backplane;

/// <summary>Asks the node that holds <see cref="ConnectionId"/> to add it to or remove it from a group, then ack <see cref="Id"/> to <see cref="ServerName"/>.</summary>
internal sealed record GroupCommand(int Id, string ServerName, GroupAction Action, string ConnectionId, string GroupName);
