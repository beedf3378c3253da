using FluentAssertions;
using Netra.Server.Realtime;
using Xunit;

namespace Netra.Tests.Realtime;

public sealed class CallOrderUnitTests
{
    [Fact]
    public async Task ACallStartsOnlyOnceTheCallBeforeItReleasedItsTurn()
    {
        var order = new CallOrder();
        var first = order.Next();
        var second = order.Next();
        var third = order.Next();

        (await Task.WhenAny(first.WaitForPreviousAsync(), Task.Delay(1000))).IsCompletedSuccessfully.Should().BeTrue();
        var secondWaits = second.WaitForPreviousAsync();
        var thirdWaits = third.WaitForPreviousAsync();
        secondWaits.IsCompleted.Should().BeFalse();

        first.Release();
        await secondWaits.WaitAsync(TimeSpan.FromSeconds(5));
        thirdWaits.IsCompleted.Should().BeFalse("the second call has not released its turn");

        second.Release();
        second.Release();
        await thirdWaits.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ACallAfterEveryTurnWasReleasedStartsAtOnce()
    {
        var order = new CallOrder();
        var first = order.Next();
        await first.WaitForPreviousAsync();
        first.Release();

        order.Next().WaitForPreviousAsync().IsCompletedSuccessfully.Should().BeTrue();
    }

    [Fact]
    public void ACallWhosePredecessorReleasedBeforeItAskedDoesNotWait()
    {
        var order = new CallOrder();
        var first = order.Next();
        var second = order.Next();
        first.Release();

        second.WaitForPreviousAsync().IsCompletedSuccessfully.Should().BeTrue();
    }
}
