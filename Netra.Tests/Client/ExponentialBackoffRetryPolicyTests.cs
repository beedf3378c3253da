using FluentAssertions;
using Microsoft.AspNetCore.SignalR.Client;
using Netra.Client;
using Xunit;

namespace Netra.Tests.Client;

public sealed class ExponentialBackoffRetryPolicyTests
{
    [Fact]
    public void Seed003WaitsOneTwoFourEightAndSixteenSecondsThenStops()
    {
        var policy = ExponentialBackoffRetryPolicy.Seed003();

        var delays = Enumerable.Range(0, 6).Select(n => policy.NextRetryDelay(new RetryContext { PreviousRetryCount = n })).ToList();

        delays.Should().Equal(
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(16), null);
    }

    [Fact]
    public void FullJitterDrawsEveryDelayBetweenZeroAndTheCappedExponentialBound()
    {
        var policy = new ExponentialBackoffRetryPolicy(new Random(42));

        for (var attempt = 0; attempt < 12; attempt++)
        {
            var bound = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, attempt)));
            var samples = Enumerable.Range(0, 500).Select(_ => policy.NextDelay(attempt)!.Value).ToList();

            samples.Should().OnlyContain(d => d >= TimeSpan.Zero && d <= bound, $"attempt {attempt} is bounded by {bound}");
            samples.Max().Should().BeGreaterThan(bound * 0.8, "full jitter spreads over the whole range");
            samples.Min().Should().BeLessThan(bound * 0.2, "full jitter spreads over the whole range");
        }
    }

    [Fact]
    public void TheDefaultsAreOneSecondBaseThirtySecondCapJitterAndNoLimit()
    {
        var policy = new ExponentialBackoffRetryPolicy();

        policy.BaseDelay.Should().Be(TimeSpan.FromSeconds(1));
        policy.MaxDelay.Should().Be(TimeSpan.FromSeconds(30));
        policy.Jitter.Should().BeTrue();
        policy.MaxAttempts.Should().BeNull();
        policy.NextDelay(1_000_000).Should().NotBeNull().And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void WithoutJitterTheDelayDoublesUntilTheCapAndStaysThere()
    {
        var policy = new ExponentialBackoffRetryPolicy { Jitter = false, BaseDelay = TimeSpan.FromMilliseconds(500), MaxDelay = TimeSpan.FromSeconds(5) };

        Enumerable.Range(0, 8).Select(n => policy.NextDelay(n)!.Value.TotalMilliseconds)
            .Should().Equal(500, 1000, 2000, 4000, 5000, 5000, 5000, 5000);
        policy.NextDelay(long.MaxValue).Should().Be(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void MaxAttemptsStopsAfterThatManyRetries()
    {
        var policy = new ExponentialBackoffRetryPolicy { MaxAttempts = 2 };

        policy.NextDelay(0).Should().NotBeNull();
        policy.NextDelay(1).Should().NotBeNull();
        policy.NextDelay(2).Should().BeNull();
    }
}
