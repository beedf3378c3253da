using FluentAssertions;
using Netra.Server.Agents;
using Xunit;

namespace Netra.Tests.Agents;

/// <summary>The demo agent's calculator tool: finds arithmetic in a prompt and evaluates it exactly.</summary>
public sealed class CalculatorTests
{
    [Theory]
    [InlineData("What is 12 * (3 + 4)?", "12 * (3 + 4)")]
    [InlineData("compute 2+2*10 please", "2+2*10")]
    [InlineData("(1.5 - -2) / 7.", "(1.5 - -2) / 7")]
    [InlineData("I have 3 cats and 2 dogs", null)]
    [InlineData("call 555-1234 or 555-9876 - 1", "555-9876 - 1")]
    [InlineData("no numbers here", null)]
    public void FindsTheLongestExpressionInAPrompt(string prompt, string? expected) =>
        Calculator.FindExpression(prompt).Should().Be(expected);

    [Theory]
    [InlineData("12 * (3 + 4)", "84")]
    [InlineData("2 + 2 * 10", "22")]
    [InlineData("(2 + 2) * 10", "40")]
    [InlineData("10 / 4", "2.5")]
    [InlineData("1 / 3", "0.3333333333")]
    [InlineData("-(3 - 5) * -2", "-4")]
    [InlineData("0.1 + 0.2", "0.3")]
    [InlineData("8 - 3 - 2", "3")]
    [InlineData("24 / 4 / 3", "2")]
    public void EvaluatesWithTheUsualPrecedence(string expression, string expected)
    {
        Calculator.TryEvaluate(expression, out var value, out var error).Should().BeTrue(error);
        Calculator.Format(value).Should().Be(expected);
    }

    [Theory]
    [InlineData("1 / 0", "division by zero")]
    [InlineData("(1 + 2", "not closed")]
    [InlineData("1 +", "ends too early")]
    [InlineData("1 2", "unexpected '2'")]
    [InlineData("1..2 + 3", "unexpected")]
    [InlineData("79228162514264337593543950335 * 2", "large")]
    public void ReportsWhyAnExpressionCannotBeEvaluated(string expression, string why)
    {
        Calculator.TryEvaluate(expression, out _, out var error).Should().BeFalse();
        error.Should().Contain(why);
    }

    [Fact]
    public void DeepNestingIsRefusedInsteadOfOverflowingTheStack()
    {
        var deep = new string('(', 100) + "1" + new string(')', 100);

        Calculator.TryEvaluate(deep, out _, out var error).Should().BeFalse();
        error.Should().Contain("nested");
    }
}
