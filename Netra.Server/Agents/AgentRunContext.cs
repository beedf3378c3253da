namespace Netra.Server.Agents;

/// <summary>What an agent is asked: by whom, in which chat (if any), and the prompt.</summary>
public sealed record AgentRunContext(string RunId, long UserId, string UserName, long? ChatId, string Prompt);
