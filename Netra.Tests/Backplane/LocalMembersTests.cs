using FluentAssertions;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging.Abstractions;
using Netra.Server.Backplane;
using Xunit;

namespace Netra.Tests.Backplane;

/// <summary>
/// The local connections of a group or user: one held as it is, two or more in a store, and a send that
/// enumerates while members join and leave finishes on what it started with.
/// </summary>
public sealed class LocalMembersTests
{
    private static HubConnectionContext Connection(string id) =>
        new(new DefaultConnectionContext(id), new HubConnectionContextOptions(), NullLoggerFactory.Instance);

    [Fact]
    public void GoesFromNoneToOneToManyAndBack()
    {
        var members = new LocalMembers();
        var a = Connection("a");
        var b = Connection("b");
        var c = Connection("c");

        members.Should().BeEmpty();
        members.Add(a);
        members.Should().Equal(a);
        members.Add(a);
        members.Count.Should().Be(1, "the same connection twice is one member");
        members.Add(b);
        members.Add(c);
        members.Should().BeEquivalentTo([a, b, c]);
        members.Count.Should().Be(3);

        members.Remove(b);
        members.Should().BeEquivalentTo([a, c]);
        members.Remove(a);
        members.Should().Equal(c);
        members.Count.Should().Be(1);
        members.Remove(a);
        members.Should().Equal([c], "removing a connection that is not a member changes nothing");
        members.Remove(c);
        members.Should().BeEmpty();
        members.Count.Should().Be(0);
    }

    [Fact]
    public void AnEnumerationKeepsTheMembersItStartedWith()
    {
        var members = new LocalMembers();
        var a = Connection("a");
        var b = Connection("b");
        members.Add(a);

        var whileOne = members.GetEnumerator();
        members.Add(b);
        var seen = new List<HubConnectionContext>();
        while (whileOne.MoveNext())
        {
            seen.Add(whileOne.Current);
        }

        seen.Should().Equal(a);
        whileOne.Reset();
        whileOne.MoveNext().Should().BeTrue();
        whileOne.Current.Should().BeSameAs(a);

        var whileTwo = members.GetEnumerator();
        members.Remove(a);
        members.Remove(b);
        seen.Clear();
        while (whileTwo.MoveNext())
        {
            seen.Add(whileTwo.Current);
        }

        seen.Should().Equal([b], "the store a send started on lives on after the switch back to one, with what was left in it");
        members.Should().BeEmpty();
    }

    [Fact]
    public void AViewOfAStoreFollowsIt()
    {
        var store = new HubConnectionStore();
        var everyone = new LocalMembers(store);
        var a = Connection("a");

        everyone.Should().BeEmpty();
        store.Add(a);
        everyone.Should().Equal(a);
        everyone.Count.Should().Be(1);
    }
}
