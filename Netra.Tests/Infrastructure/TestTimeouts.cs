namespace Netra.Tests.Infrastructure;

/// <summary>Every await on the network is bounded; these are generous for shared 2-core machines.</summary>
public static class TestTimeouts
{
    public static readonly TimeSpan Network = TimeSpan.FromSeconds(20);

    /// <summary>How long a test waits to be sure something did NOT arrive.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);
}
