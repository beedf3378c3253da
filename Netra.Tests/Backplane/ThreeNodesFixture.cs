namespace Netra.Tests.Backplane;

/// <summary>Three nodes, publishing without the yield after each publish, so that the scale-out suite runs both ways (two nodes: with it, the default).</summary>
public sealed class ThreeNodesFixture : ScaleoutFixture
{
    public override int NodeCount => 3;

    protected override void Configure(IDictionary<string, string?> settings) => settings["Netra:Backplane:YieldAfterPublish"] = "false";
}
