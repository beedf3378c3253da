namespace Netra.Contracts;

public enum ChannelKind
{
    Chat,
    Feed,
    Presence,
    Issues,
    Issue,
    Alerts,
}
