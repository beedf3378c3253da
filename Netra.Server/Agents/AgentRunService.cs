using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Netra.Contracts;
using Netra.Contracts.Agents;
using Netra.Contracts.Chat;
using Netra.Server.Chat;
using Netra.Server.Errors;
using Netra.Server.Protection;

namespace Netra.Server.Agents;

/// <summary>
/// Starts and executes agent runs for <c>StartAgentRun</c>. A run executes on this node, apart from the
/// hub call: the caller streams its events, the members of its chat get them as <c>AgentEvent</c>.
/// When the caller cancels the stream the run stops (its token fires). When the caller's connection
/// drops instead, a chat-linked run goes on, so a client that reconnects finds the answer in the chat,
/// stored once; a run without a chat has nobody left to tell and stops.
/// </summary>
internal sealed class AgentRunService(
    AgentCatalog catalog,
    ChatService chats,
    AgentRunLimiter limiter,
    AgentEventPublisher publisher,
    AgentMetrics metrics,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<AgentRunService> logger) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, AgentRun> running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stopping = new();
    private volatile bool disposed;

    /// <summary>Runs in progress on this node.</summary>
    public int RunningCount => running.Count;

    public async Task<ChannelReader<AgentEvent>> StartRunAsync(
        long userId,
        string userName,
        string connectionId,
        StartAgentRunRequest? request,
        CancellationToken connectionAborted,
        CancellationToken streamCancelled)
    {
        if (request is null)
        {
            throw ProblemException.Validation("A request {chatId?, prompt, agent?} is required.");
        }

        var settings = options.Value;
        var prompt = InputRules.RequireText(request.Prompt?.Trim(), "prompt", settings.MaxPromptLength, multiLine: true);
        var agent = catalog.Get(request.Agent);
        if (request.ChatId is { } chatId)
        {
            if (chatId <= 0)
            {
                throw ProblemException.Validation("chatId must be a positive chat id, or null for a run without a chat.");
            }

            await chats.RequireMemberAsync(chatId, userId, streamCancelled);
        }

        if (stopping.IsCancellationRequested)
        {
            throw new ProblemException(ErrorCodes.Internal, "This node is shutting down; start the run again after reconnecting.");
        }

        var runId = Guid.NewGuid().ToString("N");
        if (!await limiter.TryAcquireAsync(userId, runId, settings.MaxConcurrentRunsPerUser, streamCancelled))
        {
            throw new ProblemException(
                ErrorCodes.RateLimited,
                $"{settings.MaxConcurrentRunsPerUser} agent runs per user may run at once; wait until one completes or cancel one.");
        }

        var context = new AgentRunContext(runId, userId, userName, request.ChatId, prompt);
        var run = new AgentRun(agent, context, connectionId, TimeSpan.FromSeconds(settings.MaxRunSeconds), time, stopping.Token);
        running[run.Id] = run;
        AgentLog.RunStarted(logger, run.Id, agent.Name, userId, request.ChatId);
        metrics.RunStarted(agent.Name);
        run.CallerRegistration = streamCancelled.Register(() => OnCallerGone(run, connectionAborted.IsCancellationRequested));
        run.Execution = Task.Run(() => ExecuteAsync(run), CancellationToken.None);
        return run.CallerEvents;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops every run of this node (each reports CANCELLED) and waits for them to finish.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (disposed)
        {
            return; // a host stopped again after it was disposed: it was stopped the first time
        }

        await stopping.CancelAsync();
        var executions = running.Values.Select(run => run.Execution).OfType<Task>().ToList();
        await Task.WhenAll(executions).WaitAsync(cancellationToken);
    }

    public void Dispose()
    {
        disposed = true;
        stopping.Dispose();
    }

    private void OnCallerGone(AgentRun run, bool connectionLost)
    {
        if (connectionLost && run.Context.ChatId is not null)
        {
            AgentLog.CallerDisconnected(logger, run.Id);
            run.DetachCaller();
        }
        else
        {
            run.Cancel(connectionLost ? "the caller disconnected and no chat follows the run" : "the caller cancelled the run");
        }
    }

    private async Task ExecuteAsync(AgentRun run)
    {
        var answer = new StringBuilder();
        var outcome = AgentMetrics.Failed;
        try
        {
            await EmitAsync(run, AgentEventTypes.AgentStarted, run.Context.Prompt);
            await foreach (var step in run.Agent.RunAsync(run.Context, run.Token).WithCancellation(run.Token))
            {
                if (step.Type == AgentEventTypes.PartialResult)
                {
                    answer.Append(step.Text);
                }

                await EmitAsync(run, step.Type, step.Text, step.Tool);
            }

            run.Token.ThrowIfCancellationRequested();
            var text = answer.ToString().Trim();
            if (text.Length == 0)
            {
                throw new ProblemException(ErrorCodes.Internal, $"The agent '{run.Agent.Name}' finished without an answer.");
            }

            // Past this point the run has its answer: storing it is not cancelled, so it is stored whole or not at all.
            ChatMessage? stored = run.Context.ChatId is { } chatId
                ? await publisher.StoreAnswerAsync(run.Id, chatId, text, CancellationToken.None)
                : null;
            await EmitAsync(run, AgentEventTypes.AgentCompleted, text, message: stored);
            AgentLog.RunCompleted(logger, run.Id, stored?.Seq);
            outcome = AgentMetrics.Completed;
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
        {
            var reason = run.CancelReason
                ?? (run.TimedOut ? $"the run took longer than {options.Value.MaxRunSeconds} s" : "the server is shutting down");
            AgentLog.RunCancelled(logger, run.Id, reason);
            outcome = AgentMetrics.Cancelled;
            await EmitAsync(run, AgentEventTypes.Error, $"The run stopped: {reason}. Nothing was stored.", code: ErrorCodes.Cancelled);
        }
        catch (ProblemException problem)
        {
            AgentLog.RunFailed(logger, run.Id, problem.Code, problem.Message);
            await EmitAsync(run, AgentEventTypes.Error, problem.Message, code: problem.Code);
        }
        catch (Exception exception)
        {
            // The boundary of a run, like the hub's error filter for a call: log it, tell the watchers, store nothing.
            AgentLog.RunCrashed(logger, run.Id, run.Agent.Name, exception);
            await EmitAsync(run, AgentEventTypes.Error, $"The agent '{run.Agent.Name}' failed; the server logged it as run {run.Id}.", code: ErrorCodes.Internal);
        }
        finally
        {
            metrics.RunFinished(outcome);
            await limiter.ReleaseAsync(run.Context.UserId, run.Id);
            running.TryRemove(run.Id, out _);
            run.Dispose();
        }
    }

    private async Task EmitAsync(AgentRun run, string type, string? text, string? tool = null, string? code = null, ChatMessage? message = null)
    {
        var context = run.Context;
        var agentEvent = new AgentEvent(run.Id, type, run.NextStep(), time.GetUtcNow(), context.UserId, context.ChatId, run.Agent.Name, text, tool, code, message);
        run.ToCaller(agentEvent);
        await publisher.PublishAsync(agentEvent, run.CallerConnectionId);
    }
}
