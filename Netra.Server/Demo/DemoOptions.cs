namespace Netra.Server.Demo;

/// <summary>Demo data for the README's run command (<c>Netra__Demo__Enabled=true</c>).</summary>
internal sealed class DemoOptions
{
    public const string SectionName = "Netra:Demo";

    public bool Enabled { get; set; }
}
