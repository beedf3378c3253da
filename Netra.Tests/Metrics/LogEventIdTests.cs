using System.Reflection;
using FluentAssertions;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Netra.Tests.Metrics;

/// <summary>Each of the server's log messages has an event id of its own, so that a filter or an alert on an id means one thing.</summary>
public sealed class LogEventIdTests
{
    [Fact]
    public void NoTwoLogMessagesOfTheServerShareAnEventId()
    {
        var messages = typeof(Program).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(method => (Method: $"{method.DeclaringType!.Name}.{method.Name}", Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .ToList();

        messages.Should().HaveCountGreaterThan(50, "the server logs through [LoggerMessage] methods");
        messages.GroupBy(m => m.Attribute!.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}")
            .Should().BeEmpty();
    }
}
