using Microsoft.Extensions.Options;
using Netra.Server.Errors;

namespace Netra.Server.Agents;

/// <summary>The registered <see cref="IAgent"/>s by name, and the default one.</summary>
internal sealed class AgentCatalog
{
    private readonly Dictionary<string, IAgent> agents;
    private readonly string defaultAgent;

    public AgentCatalog(IEnumerable<IAgent> registered, IOptions<AgentOptions> options)
    {
        agents = new Dictionary<string, IAgent>(StringComparer.Ordinal);
        foreach (var agent in registered)
        {
            if (!agents.TryAdd(agent.Name, agent))
            {
                throw new InvalidOperationException($"Two agents are registered with the name '{agent.Name}'.");
            }
        }

        defaultAgent = options.Value.DefaultAgent;
        if (!agents.ContainsKey(defaultAgent))
        {
            throw new InvalidOperationException(
                $"Netra:Agents:DefaultAgent (Netra__Agents__DefaultAgent) is '{defaultAgent}', but the registered agents are: {string.Join(", ", agents.Keys)}.");
        }
    }

    public IReadOnlyCollection<string> Names => agents.Keys;

    /// <summary>The agent called <paramref name="name"/> (the default one for null); VALIDATION_FAILED for an unknown name.</summary>
    public IAgent Get(string? name)
    {
        if (agents.TryGetValue(name ?? defaultAgent, out var agent))
        {
            return agent;
        }

        throw ProblemException.Validation($"There is no agent '{name}'; the agents are: {string.Join(", ", agents.Keys.Order(StringComparer.Ordinal))}.");
    }
}
