using FluentAssertions;
using FluentAssertions.Equivalency;
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
    private static EquivalencyAssertionOptions<ConnectionGroupsFeature> ByReference(EquivalencyAssertionOptions<ConnectionGroupsFeature> options) =>
        options.ComparingByValue<ConnectionGroupsFeature>();

    private static List<string> Ids(IEnumerable<ConnectionGroupsFeature> members) => members.Select(m => m.Connection.ConnectionId).ToList();

    private static ConnectionGroupsFeature Connection(string id) =>
        new(new HubConnectionContext(new DefaultConnectionContext(id), new HubConnectionContextOptions(), NullLoggerFactory.Instance), TimeProvider.System, TimeSpan.Zero);

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
        members.Should().BeEquivalentTo([a, b, c], ByReference);
        members.Count.Should().Be(3);

        members.Remove(b);
        members.Should().BeEquivalentTo([a, c], ByReference);
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
        var seen = new List<ConnectionGroupsFeature>();
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
    public void TheSharedMembersStayOneDictionaryThatManyWritersChangeAtOnce()
    {
        var everyone = LocalMembers.Shared();
        var connections = Enumerable.Range(0, 1000).Select(i => Connection($"c{i}")).ToList();

        Parallel.ForEach(connections, everyone.Add);
        Ids(everyone).Should().HaveCount(1000);
        everyone.Count.Should().Be(1000);
        everyone.Find("c7").Should().BeSameAs(connections[7]);

        Parallel.ForEach(connections.GetRange(1, connections.Count - 1), everyone.Remove);
        Ids(everyone).Should().Equal("c0");
        everyone.Find("c7").Should().BeNull();

        // Still the dictionary with one member left: a writer adding while another removes loses nothing.
        var others = Enumerable.Range(0, 1000).Select(i => Connection($"d{i}")).ToList();
        Parallel.Invoke(() => everyone.Remove(connections[0]), () => Parallel.ForEach(others, everyone.Add));
        Ids(everyone).Should().BeEquivalentTo(Ids(others));
    }

    [Fact]
    public void FindsAMemberByItsConnectionId()
    {
        var members = new LocalMembers();
        var a = Connection("a");
        var b = Connection("b");

        members.Find("a").Should().BeNull();
        members.Add(a);
        members.Find("a").Should().BeSameAs(a);
        members.Find("b").Should().BeNull();
        members.Add(b);
        members.Find("b").Should().BeSameAs(b);
    }
}
