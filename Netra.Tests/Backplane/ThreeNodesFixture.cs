namespace Netra.Tests.Backplane;

public sealed class ThreeNodesFixture : ScaleoutFixture
{
    public override int NodeCount => 3;
}
