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
    /// A JSON payload Netra will store and relay: at most <paramref name="maxDepth"/> levels deep, and every
    /// string and property name valid Unicode without NUL (PostgreSQL's jsonb cannot hold either).
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
