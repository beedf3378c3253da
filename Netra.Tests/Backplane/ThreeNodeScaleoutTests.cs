using Xunit;

namespace Netra.Tests.Backplane;

/// <summary>The scale-out suite over three nodes.</summary>
public sealed class ThreeNodeScaleoutTests(ThreeNodesFixture fixture) : ScaleoutHubLifetimeManagerTests(fixture), IClassFixture<ThreeNodesFixture>;
