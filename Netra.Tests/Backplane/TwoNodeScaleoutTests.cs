using Xunit;

namespace Netra.Tests.Backplane;

/// <summary>The scale-out suite over two nodes.</summary>
public sealed class TwoNodeScaleoutTests(TwoNodesFixture fixture) : ScaleoutHubLifetimeManagerTests(fixture), IClassFixture<TwoNodesFixture>;
