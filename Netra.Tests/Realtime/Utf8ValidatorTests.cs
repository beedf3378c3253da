using System.Text;
using System.Text.Unicode;
using FluentAssertions;
using Netra.Server.Realtime.WebSockets;
using Xunit;

namespace Netra.Tests.Realtime;

/// <summary>
/// The transport's UTF-8 check of text messages, which arrive in pieces that may split a character: whatever the
/// pieces, its verdict is the one of checking the whole message at once.
/// </summary>
public sealed class Utf8ValidatorTests
{
    public static TheoryData<string, byte[]> InvalidMessages() => new()
    {
        { "a lone continuation byte", [0x41, 0x80, 0x41] },
        { "an overlong '/'", [0xC0, 0xAF] },
        { "an overlong three-byte form", [0xE0, 0x80, 0xAF] },
        { "a surrogate half", [0xED, 0xA0, 0x80] },
        { "past U+10FFFF", [0xF4, 0x90, 0x80, 0x80] },
        { "a lead byte that is never valid", [0x41, 0xFF] },
        { "a lead byte followed by ASCII", [0xE2, 0x41, 0x41] },
        { "a message that ends inside a character", [0x41, 0xE2, 0x82] },
        { "a four-byte character cut after its lead", [0xF0] },
    };

    [Theory]
    [MemberData(nameof(InvalidMessages))]
    public void AnInvalidMessageIsRefusedWhereverItIsSplit(string kind, byte[] message)
    {
        for (var split = 0; split <= message.Length; split++)
        {
            Check(message, [split]).Should().BeFalse($"{kind}, split at {split}");
        }
    }

    [Fact]
    public void ValidTextIsTakenWhateverItsPiecesAndEachMessageStartsAfresh()
    {
        var message = Encoding.UTF8.GetBytes("a€b𝄞c ü\u0800\uFFFD\U0010FFFF");
        for (var first = 0; first <= message.Length; first++)
        {
            for (var second = first; second <= message.Length; second++)
            {
                Check(message, [first, second]).Should().BeTrue($"pieces end at {first} and {second}");
            }
        }

        var validator = default(Utf8Validator);
        validator.Append([0xE2, 0x82]).Should().BeTrue();
        validator.End().Should().BeFalse("the message ended inside '€'");
        validator.Append([0x82]).Should().BeFalse("a new message does not continue the last one's character");
    }

    [Fact]
    public void RandomBytesInRandomPiecesGetTheVerdictOfTheWholeMessage()
    {
        var random = new Random(6455);
        byte[] alphabet = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF];
        var valid = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var message = new byte[random.Next(0, 12)];
            for (var j = 0; j < message.Length; j++)
            {
                message[j] = alphabet[random.Next(alphabet.Length)];
            }

            var cuts = Enumerable.Range(0, random.Next(0, 4)).Select(_ => random.Next(0, message.Length + 1)).Order().ToArray();
            var expected = Utf8.IsValid(message);
            Check(message, cuts).Should().Be(expected, $"{Convert.ToHexString(message)} cut at {string.Join(",", cuts)}");
            valid += expected ? 1 : 0;
        }

        valid.Should().BeGreaterThan(1_000, "enough of the messages are valid for both verdicts to be tried");
    }

    /// <summary>Feeds <paramref name="message"/> in pieces ending at <paramref name="cuts"/> (ascending), then ends it.</summary>
    private static bool Check(byte[] message, int[] cuts)
    {
        var validator = default(Utf8Validator);
        var start = 0;
        foreach (var cut in cuts.Append(message.Length))
        {
            if (!validator.Append(message.AsSpan(start, cut - start)))
            {
                return false;
            }

            start = cut;
        }

        return validator.End();
    }
}
