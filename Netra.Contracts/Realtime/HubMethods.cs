namespace Netra.Contracts.Realtime;

/// <summary>Names of the hub methods a client may invoke on <c>/ws</c>.</summary>
public static class HubMethods
{
    public const string Subscribe = nameof(Subscribe);
    public const string Unsubscribe = nameof(Unsubscribe);
    public const string SendMessage = nameof(SendMessage);
    public const string EditMessage = nameof(EditMessage);
    public const string DeleteMessage = nameof(DeleteMessage);
    public const string MarkRead = nameof(MarkRead);
    public const string SetTyping = nameof(SetTyping);
    public const string SetPresence = nameof(SetPresence);
    public const string Ping = nameof(Ping);
    public const string StartAgentRun = nameof(StartAgentRun);
}
