using Netra.Tests.Backplane;

namespace Netra.Tests.Chat;

/// <summary>Two nodes whose typing states expire after 1 s instead of 5, so the tests that wait for an expiry are short.</summary>
public sealed class TypingExpiryFixture : ScaleoutFixture
{
    public override int NodeCount => 2;

    protected override void Configure(IDictionary<string, string?> settings) => settings["Netra:Chat:TypingTimeoutSeconds"] = "1";
}
