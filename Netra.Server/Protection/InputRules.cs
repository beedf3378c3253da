using System.Text.Json;
using Netra.Server.Errors;

namespace Netra.Server.Protection;

/// <summary>
/// Checks shared by every text a client sends. Text must be valid Unicode (a lone surrogate
/// cannot be stored as UTF-8) and free of control characters; multi-line text may keep
/// line feeds and tabs.
/// </summary>
internal static class InputRules
{
    public static string RequireText(string? value, string field, int maxLength, bool multiLine = false)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw ProblemException.Validation($"{field} must not be empty.");
        }

        if (value.Length > maxLength)
        {
            throw ProblemException.Validation($"{field} is {value.Length} characters; the limit is {maxLength}.");
        }

        RequireCleanText(value, field, multiLine);
        return value;
    }

    /// <summary>
    /// At most <paramref name="maxLength"/> UTF-16 units of <paramref name="text"/>, one fewer where the cut would split a
    /// surrogate pair: half an emoji is not text PostgreSQL, the JSON checks or the clients take.
    /// </summary>
    public static string Cut(string text, int maxLength) =>
        text.Length <= maxLength ? text : text[..(char.IsHighSurrogate(text[maxLength - 1]) ? maxLength - 1 : maxLength)];

    public static void RequireCleanText(string value, string field, bool multiLine)
    {
        if (!IsValidUnicode(value))
        {
            throw ProblemException.Validation($"{field} is not valid Unicode text (unpaired surrogate).");
        }

        foreach (var c in value)
        {
            if (char.IsControl(c) && !(multiLine && c is '\n' or '\r' or '\t'))
            {
                throw ProblemException.Validation($"{field} contains the control character U+{(int)c:X4}.");
            }
        }
    }

    /// <summary>
    /// A JSON payload Netra will store and relay: at most <paramref name="maxDepth"/> levels deep, every
    /// string and property name valid Unicode without NUL (PostgreSQL's jsonb cannot hold either), and every number
    /// one jsonb stores as written (<see cref="FitsStoredNumber"/>).
    /// </summary>
    public static void RequireStorableJson(JsonElement value, string field, int maxDepth = 32)
    {
        Walk(value, 1);

        void Walk(JsonElement element, int depth)
        {
            if (depth > maxDepth)
            {
                throw ProblemException.Validation($"{field} is nested deeper than {maxDepth} levels.");
            }

            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        RequireStorableString(Decode(() => property.Name));
                        Walk(property.Value, depth + 1);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Walk(item, depth + 1);
                    }

                    break;
                case JsonValueKind.String:
                    RequireStorableString(Decode(() => element.GetString()!));
                    break;
                case JsonValueKind.Number:
                    RequireStorableNumber(element);
                    break;
            }
        }

        void RequireStorableNumber(JsonElement number)
        {
            var text = number.GetRawText();
            if (!FitsStoredNumber(text))
            {
                throw ProblemException.Validation(
                    $"{field} contains the number {(text.Length > 40 ? text[..40] + "..." : text)}; Netra stores numbers with an exponent of at most {MaxNumberExponent} either way (and at most 16,383 digits after the point).");
            }
        }

        string Decode(Func<string> read)
        {
            try
            {
                return read();
            }
            catch (InvalidOperationException exception)
            {
                // System.Text.Json refuses to decode an escaped lone surrogate ("\ud800").
                throw ProblemException.Validation($"{field} contains text that is not valid Unicode: {exception.Message}");
            }
        }

        void RequireStorableString(string text)
        {
            if (!IsValidUnicode(text) || text.Contains('\0', StringComparison.Ordinal))
            {
                throw ProblemException.Validation($"{field} contains text that is not valid Unicode or contains NUL.");
            }
        }
    }

    /// <summary>The largest exponent (either way) of a number in a stored JSON payload: a double's range, with room.</summary>
    public const int MaxNumberExponent = 350;

    /// <summary>
    /// Whether jsonb stores a JSON number literal without refusing or blowing it up. jsonb keeps numbers as PostgreSQL's
    /// numeric, written out in full: it refuses <c>1e200000</c>, <c>1e-20000</c> and even <c>0e-99999</c> (over 131,072
    /// digits before the point or 16,383 after it), and stores <c>1e131071</c>, 9 bytes sent, as 131,072 digits. An
    /// exponent of at most <see cref="MaxNumberExponent"/> either way (every double has one) keeps a number's stored form
    /// within that many characters of what was sent; the digit limits matter only for payloads over 16 KB.
    /// </summary>
    internal static bool FitsStoredNumber(ReadOnlySpan<char> literal)
    {
        var i = literal.Length > 0 && literal[0] == '-' ? 1 : 0;
        var integerDigits = CountDigits(literal, ref i);
        var fractionDigits = 0;
        if (i < literal.Length && literal[i] == '.')
        {
            i++;
            fractionDigits = CountDigits(literal, ref i);
        }

        long exponent = 0;
        if (i < literal.Length && literal[i] is 'e' or 'E')
        {
            i++;
            var negative = i < literal.Length && literal[i] == '-';
            if (i < literal.Length && literal[i] is '-' or '+')
            {
                i++;
            }

            for (; i < literal.Length && char.IsAsciiDigit(literal[i]); i++)
            {
                exponent = Math.Min(exponent * 10 + (literal[i] - '0'), int.MaxValue); // capped: only "too large" matters
            }

            exponent = negative ? -exponent : exponent;
        }

        return Math.Abs(exponent) <= MaxNumberExponent && integerDigits + exponent <= 131_072 && fractionDigits - exponent <= 16_383;

        static int CountDigits(ReadOnlySpan<char> text, ref int at)
        {
            var start = at;
            while (at < text.Length && char.IsAsciiDigit(text[at]))
            {
                at++;
            }

            return at - start;
        }
    }

    private static bool IsValidUnicode(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }
}
