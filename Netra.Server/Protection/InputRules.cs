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
