namespace Netra.Tests.Backplane;

public sealed class TwoNodesFixture : ScaleoutFixture
{
    public override int NodeCount => 2;
}
