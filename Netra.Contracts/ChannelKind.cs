namespace Netra.Contracts;

public enum ChannelKind
{
    Chat,
    Feed,
    Presence,
    Issues,
    Issue,
    Alerts,

    /// <summary>An application channel the server's publish allow-list names (<c>Netra:Events:PublishChannels</c>).</summary>
    Custom,
}
