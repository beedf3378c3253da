using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Netra.Contracts.Chat;
using Netra.Server.Chat;
using Netra.Server.Protection;

namespace Netra.Server.Agents;

/// <summary>
/// The built-in agent: no model and no network, but real tools. It reads the prompt, works out any
/// arithmetic in it with <see cref="Calculator"/>, reads the linked chat's latest messages from
/// PostgreSQL, and streams an answer built from what the tools returned, word by word, paced by
/// <see cref="AgentOptions.DemoStepDelayMs"/> and <see cref="AgentOptions.DemoTokenDelayMs"/>.
/// </summary>
internal sealed partial class DemoAgent(ChatStore chats, IOptions<AgentOptions> options, TimeProvider time) : IAgent
{
    public const string AgentName = "demo";
    public const string CalculatorTool = "calculator";
    public const string ChatHistoryTool = "chat_history";

    public string Name => AgentName;

    public async IAsyncEnumerable<AgentStep> RunAsync(AgentRunContext run, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var answer = new List<string>();

        yield return AgentStep.Thinking($"Reading the request: \"{Shorten(run.Prompt, 120)}\".");
        await PauseAsync(settings.DemoStepDelayMs, cancellationToken);

        var expression = Calculator.FindExpression(run.Prompt);
        if (expression is not null)
        {
            yield return AgentStep.ToolExecuting(CalculatorTool, expression);
            await PauseAsync(settings.DemoStepDelayMs, cancellationToken);
            if (Calculator.TryEvaluate(expression, out var value, out var error))
            {
                yield return AgentStep.Thinking($"The calculator says {expression} = {Calculator.Format(value)}.");
                answer.Add($"{expression} = {Calculator.Format(value)}.");
            }
            else
            {
                yield return AgentStep.Thinking($"The calculator could not work out {expression}: {error}.");
                answer.Add($"I could not work out {expression}: {error}.");
            }

            await PauseAsync(settings.DemoStepDelayMs, cancellationToken);
        }

        if (run.ChatId is { } chatId)
        {
            yield return AgentStep.ToolExecuting(ChatHistoryTool, $"the latest {settings.DemoHistoryMessages} messages of chat {chatId}");
            var messages = await chats.GetMessagesAsync(chatId, 0, long.MaxValue, settings.DemoHistoryMessages, fromEnd: true, cancellationToken);
            await PauseAsync(settings.DemoStepDelayMs, cancellationToken);
            var summary = Summarize(messages);
            yield return AgentStep.Thinking($"The chat history tool returned {messages.Count} message{(messages.Count == 1 ? "" : "s")}.");
            answer.Add(summary);
        }
        else
        {
            yield return AgentStep.Thinking("No chat is linked to this run, so there is no history to read.");
        }

        if (expression is null)
        {
            answer.Add("I am Netra's demo agent: I run no model, but I can do arithmetic (ask me \"what is 12 * (3 + 4)?\") and read a chat's latest messages.");
        }

        await PauseAsync(settings.DemoStepDelayMs, cancellationToken);
        foreach (Match word in Word().Matches(string.Join(" ", answer)))
        {
            await PauseAsync(settings.DemoTokenDelayMs, cancellationToken);
            yield return AgentStep.PartialResult(word.Value);
        }
    }

    private static string Summarize(IReadOnlyList<ChatMessage> messages)
    {
        if (messages.Count == 0)
        {
            return "This chat has no messages yet.";
        }

        var senders = messages.Select(m => m.SenderName).Distinct(StringComparer.Ordinal).ToList();
        var latest = messages[^1];
        var text = new StringBuilder();
        text.Append($"The latest {messages.Count} message{(messages.Count == 1 ? " is" : "s are")} from {string.Join(", ", senders)}; ");
        text.Append($"the newest, from {latest.SenderName}, says \"{Shorten(latest.Content, 80)}\".");
        return text.ToString();
    }

    private static string Shorten(string text, int length)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= length ? line : InputRules.Cut(line, length) + "…";
    }

    private async Task PauseAsync(int milliseconds, CancellationToken cancellationToken)
    {
        if (milliseconds > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), time, cancellationToken);
        }
        else
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    // A word with the spaces after it, so that the pieces concatenate back to the answer.
    [GeneratedRegex(@"\S+\s*")]
    private static partial Regex Word();
}
