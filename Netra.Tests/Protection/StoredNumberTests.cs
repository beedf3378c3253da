using FluentAssertions;
using Netra.Server.Protection;
using Xunit;

namespace Netra.Tests.Protection;

/// <summary>
/// Which JSON number literals a stored payload may hold (<see cref="InputRules.FitsStoredNumber"/>): what PostgreSQL's
/// jsonb stores as written, checked against a real PostgreSQL by <c>ChannelEventsTests</c>.
/// </summary>
public sealed class StoredNumberTests
{
    [Theory]
    [InlineData("0", true)]
    [InlineData("-0.0", true)]
    [InlineData("12345678901234567890123", true)]
    [InlineData("1.7976931348623157e308", true)]
    [InlineData("-5e-324", true)]
    [InlineData("1E+350", true)]
    [InlineData("1e-350", true)]
    [InlineData("0e350", true)]
    [InlineData("1e351", false)]
    [InlineData("1e-351", false)]
    [InlineData("0e-99999", false)]
    [InlineData("1e131071", false)]
    [InlineData("1e200000", false)]
    [InlineData("-1e-20000", false)]
    [InlineData("1e99999999999999999999999", false)]
    public void ANumberIsStoredOnlyWithinTheExponentLimit(string literal, bool fits) =>
        InputRules.FitsStoredNumber(literal).Should().Be(fits, literal);

    [Fact]
    public void DigitsAfterThePointCountAgainstPostgresLimitWithTheExponent()
    {
        InputRules.FitsStoredNumber("0." + new string('1', 16_383)).Should().BeTrue();
        InputRules.FitsStoredNumber("0." + new string('1', 16_384)).Should().BeFalse();
        InputRules.FitsStoredNumber("0." + new string('1', 16_100) + "e-300").Should().BeFalse();
        InputRules.FitsStoredNumber("0." + new string('1', 16_500) + "e300").Should().BeTrue();
    }
}
