using System.Globalization;
using System.Text.RegularExpressions;

namespace Netra.Server.Agents;

/// <summary>
/// The demo agent's calculator tool: + - * / and parentheses over decimals, with the usual precedence
/// and unary minus, evaluated exactly in <see cref="decimal"/>. A recursive-descent parser; it never
/// evaluates anything but arithmetic.
/// </summary>
internal static partial class Calculator
{
    private const int MaxLength = 200;
    private const int MaxDepth = 50;

    /// <summary>The longest arithmetic expression in <paramref name="text"/> (digits joined by an operator), or null.</summary>
    public static string? FindExpression(string text)
    {
        string? best = null;
        foreach (Match match in Candidate().Matches(text))
        {
            var expression = match.Value.Trim().TrimEnd('.');
            if (BinaryOperation().IsMatch(expression) && (best is null || expression.Length > best.Length))
            {
                best = expression;
            }
        }

        return best is { Length: <= MaxLength } ? best : null;
    }

    /// <summary>True and the value, or false and why not (a syntax error, division by zero, overflow).</summary>
    public static bool TryEvaluate(string expression, out decimal value, out string error)
    {
        var parser = new Parser(expression);
        try
        {
            value = parser.ParseExpression(0);
            parser.SkipSpaces();
            if (!parser.AtEnd)
            {
                throw new FormatException($"unexpected '{parser.Current}' at position {parser.Position + 1}");
            }

            error = "";
            return true;
        }
        catch (Exception exception) when (exception is FormatException or DivideByZeroException or OverflowException)
        {
            value = 0;
            error = exception is DivideByZeroException ? "division by zero" : exception.Message;
            return false;
        }
    }

    public static string Format(decimal value) => value.ToString("0.##########", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"[0-9.+\-*/()\s]+")]
    private static partial Regex Candidate();

    [GeneratedRegex(@"[0-9)]\s*[-+*/]\s*[-(0-9]")]
    private static partial Regex BinaryOperation();

    private sealed class Parser(string text)
    {
        public int Position { get; private set; }

        public bool AtEnd => Position >= text.Length;

        public char Current => text[Position];

        public void SkipSpaces()
        {
            while (!AtEnd && char.IsWhiteSpace(Current))
            {
                Position++;
            }
        }

        // expression := term (('+' | '-') term)*
        public decimal ParseExpression(int depth)
        {
            var value = ParseTerm(depth);
            while (true)
            {
                SkipSpaces();
                if (AtEnd || Current is not ('+' or '-'))
                {
                    return value;
                }

                var op = text[Position++];
                var right = ParseTerm(depth);
                value = op == '+' ? value + right : value - right;
            }
        }

        // term := factor (('*' | '/') factor)*
        private decimal ParseTerm(int depth)
        {
            var value = ParseFactor(depth);
            while (true)
            {
                SkipSpaces();
                if (AtEnd || Current is not ('*' or '/'))
                {
                    return value;
                }

                var op = text[Position++];
                var right = ParseFactor(depth);
                value = op == '*' ? value * right : value / right;
            }
        }

        // factor := '-' factor | '(' expression ')' | number
        private decimal ParseFactor(int depth)
        {
            if (depth > MaxDepth)
            {
                throw new FormatException($"more than {MaxDepth} nested parentheses or signs");
            }

            SkipSpaces();
            if (AtEnd)
            {
                throw new FormatException("the expression ends too early");
            }

            if (Current == '-')
            {
                Position++;
                return -ParseFactor(depth + 1);
            }

            if (Current == '(')
            {
                Position++;
                var value = ParseExpression(depth + 1);
                SkipSpaces();
                if (AtEnd || Current != ')')
                {
                    throw new FormatException("a '(' is not closed");
                }

                Position++;
                return value;
            }

            var start = Position;
            while (!AtEnd && (char.IsAsciiDigit(Current) || Current == '.'))
            {
                Position++;
            }

            if (start == Position || !decimal.TryParse(text.AsSpan(start, Position - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                throw new FormatException(AtEnd ? "the expression ends too early" : $"unexpected '{(start == Position ? Current : text[start])}' at position {start + 1}");
            }

            return number;
        }
    }
}
