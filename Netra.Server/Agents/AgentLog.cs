namespace Netra.Server.Agents;

internal static partial class AgentLog
{
    [LoggerMessage(EventId = 13000, Level = LogLevel.Information, Message = "Agent run {RunId} ({Agent}) started by user {UserId} in chat {ChatId}")]
    public static partial void RunStarted(ILogger logger, string runId, string agent, long userId, long? chatId);

    [LoggerMessage(EventId = 13001, Level = LogLevel.Information, Message = "Agent run {RunId} completed; answer stored as seq {Seq}")]
    public static partial void RunCompleted(ILogger logger, string runId, long? seq);

    [LoggerMessage(EventId = 13002, Level = LogLevel.Information, Message = "Agent run {RunId} cancelled: {Reason}")]
    public static partial void RunCancelled(ILogger logger, string runId, string reason);

    [LoggerMessage(EventId = 13003, Level = LogLevel.Information, Message = "Agent run {RunId} failed with {Code}: {Detail}")]
    public static partial void RunFailed(ILogger logger, string runId, string code, string detail);

    [LoggerMessage(EventId = 13004, Level = LogLevel.Error, Message = "Agent run {RunId} ({Agent}) threw")]
    public static partial void RunCrashed(ILogger logger, string runId, string agent, Exception exception);

    [LoggerMessage(EventId = 13005, Level = LogLevel.Information, Message = "The caller of agent run {RunId} disconnected; the run goes on for its chat")]
    public static partial void CallerDisconnected(ILogger logger, string runId);

    [LoggerMessage(EventId = 13006, Level = LogLevel.Warning, Message = "Agent event {Step} of run {RunId} could not be delivered")]
    public static partial void PublishFailed(ILogger logger, string runId, int step, Exception exception);

    [LoggerMessage(EventId = 13007, Level = LogLevel.Debug, Message = "Answer of agent run {RunId} is chat {ChatId} seq {Seq}")]
    public static partial void AnswerStored(ILogger logger, string runId, long chatId, long seq);

    [LoggerMessage(EventId = 13008, Level = LogLevel.Warning, Message = "Redis could not count the agent runs of user {UserId}; this node counts them alone meanwhile")]
    public static partial void RunCountUnavailable(ILogger logger, long userId, Exception exception);
}
