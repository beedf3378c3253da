namespace Netra.Contracts;

/// <summary>A parsed channel name: its kind and, for <c>chat:{id}</c> and <c>issue:{id}</c>, the id.</summary>
public readonly record struct ChannelName(string Name, ChannelKind Kind, string? Id)
{
    public long ChatId => Kind == ChannelKind.Chat ? long.Parse(Id!, System.Globalization.CultureInfo.InvariantCulture) : 0;

    public override string ToString() => Name;
}
