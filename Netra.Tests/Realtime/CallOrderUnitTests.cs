using System.Security.Claims;
using FluentAssertions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging.Abstractions;
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

    [Fact]
    public async Task ACallRefusedBeforeItsTurnCameStillLetsTheCallAfterItStartOnlyOnceTheOneBeforeItEnded()
    {
        var connection = new TestCallerContext();
        var outer = new CallOrderFilter();
        await outer.OnConnectedAsync(new HubLifetimeContext(connection, EmptyServices.Instance, NewHub()), _ => Task.CompletedTask);
        var inner = new CallTurnFilter();
        var firstRunning = new TaskCompletionSource();
        var firstMayEnd = new TaskCompletionSource();
        var thirdStarted = false;

        // outer filter -> a limit that refuses the second call -> inner filter -> the hub method
        ValueTask<object?> Call(int n, Func<Task> method) => outer.InvokeMethodAsync(Context(connection), context =>
            n == 2
                ? throw new InvalidOperationException("refused by a limit")
                : inner.InvokeMethodAsync(context, async _ =>
                {
                    await method();
                    return n;
                }));

        var first = Call(1, async () =>
        {
            firstRunning.SetResult();
            await firstMayEnd.Task;
        }).AsTask();
        var second = Call(2, () => Task.CompletedTask).AsTask();
        var third = Call(3, () =>
        {
            thirdStarted = true;
            return Task.CompletedTask;
        }).AsTask();

        await firstRunning.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(100);
        second.IsCompleted.Should().BeFalse("a refused call answers in its turn too, after the first call ended");
        third.IsCompleted.Should().BeFalse("the first call has not ended");
        thirdStarted.Should().BeFalse();

        firstMayEnd.SetResult();
        (await first.WaitAsync(TimeSpan.FromSeconds(5))).Should().Be(1);
        await second.WaitAsync(TimeSpan.FromSeconds(5)).Invoking(t => t).Should().ThrowAsync<InvalidOperationException>().WithMessage("refused*");
        (await third.WaitAsync(TimeSpan.FromSeconds(5))).Should().Be(3);
        thirdStarted.Should().BeTrue();
    }

    private static HubInvocationContext Context(HubCallerContext connection) =>
        new(connection, EmptyServices.Instance, NewHub(), typeof(NetraHub).GetMethod(nameof(NetraHub.Ping))!, []);

    // The filters only read and set the hub's Turn; the services behind the hub are not called.
    private static NetraHub NewHub() => new(null!, null!, null!, null!, null!, null!, TimeProvider.System, NullLogger<NetraHub>.Instance);

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }

    private sealed class TestCallerContext : HubCallerContext
    {
        private readonly FeatureCollection features = new();

        public override string ConnectionId => "call-order-test";

        public override string? UserIdentifier => null;

        public override ClaimsPrincipal? User => null;

        public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();

        public override IFeatureCollection Features => features;

        public override CancellationToken ConnectionAborted => CancellationToken.None;

        public override void Abort()
        {
        }
    }
}
