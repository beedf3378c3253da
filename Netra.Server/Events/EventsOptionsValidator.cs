using Microsoft.Extensions.Options;
using Netra.Contracts;

namespace Netra.Server.Events;

/// <summary>What data annotations cannot say about <see cref="EventsOptions"/>: known retention kinds, sane policies, safe publish patterns.</summary>
internal sealed class EventsOptionsValidator : IValidateOptions<EventsOptions>
{
    private static readonly string[] Kinds =
        [.. new[] { ChannelKind.Feed, ChannelKind.Issues, ChannelKind.Issue, ChannelKind.Alerts, ChannelKind.Custom }.Select(RetentionPolicy.KindKey)];

    public ValidateOptionsResult Validate(string? name, EventsOptions options)
    {
        var failures = new List<string>();
        foreach (var (kind, policy) in options.Retention)
        {
            var key = $"{EventsOptions.SectionName}:Retention:{kind}";
            if (!Kinds.Contains(kind, StringComparer.OrdinalIgnoreCase))
            {
                failures.Add($"{key}: '{kind}' is not a channel kind with history ({string.Join(", ", Kinds)}; chats keep every message).");
            }

            if (policy.MaxEvents is < 1 or > 10_000_000)
            {
                failures.Add($"{key}:MaxEvents must be between 1 and 10000000.");
            }

            if (policy.MaxAgeHours is < 1 or > 24 * 366)
            {
                failures.Add($"{key}:MaxAgeHours must be between 1 and {24 * 366}.");
            }
        }

        foreach (var pattern in options.PublishChannels)
        {
            if (PublishChannelPattern.Problem(pattern) is { } problem)
            {
                failures.Add($"{EventsOptions.SectionName}:PublishChannels: {problem}.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
