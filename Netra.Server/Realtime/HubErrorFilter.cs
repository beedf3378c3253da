using Microsoft.AspNetCore.SignalR;
using Netra.Contracts;
using Netra.Server.Errors;
using Netra.Server.Metrics;

namespace Netra.Server.Realtime;

/// <summary>
/// Turns expected failures into <c>HubException("CODE: message")</c> and everything else into
/// <c>INTERNAL</c>, logged with the exception, so a client always learns that a call failed and why.
/// </summary>
internal sealed class HubErrorFilter(NetraMetrics metrics, ILogger<HubErrorFilter> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var context = invocationContext.Context;
        try
        {
            return await next(invocationContext);
        }
        catch (ProblemException problem)
        {
            ErrorsLog.ExpectedHubFailure(logger, invocationContext.HubMethodName, context.ConnectionId, problem.Code, problem.Message);
            metrics.Error(problem.Code);
            throw new HubException($"{problem.Code}: {problem.Message}");
        }
        catch (HubException)
        {
            throw;
        }
        catch (OperationCanceledException) when (context.ConnectionAborted.IsCancellationRequested)
        {
            // The caller is gone; there is nobody to tell.
            throw;
        }
        catch (Exception exception)
        {
            ErrorsLog.UnhandledHubException(logger, invocationContext.HubMethodName, context.ConnectionId, context.UserIdentifier, exception);
            metrics.Error(ErrorCodes.Internal);
            throw new HubException($"{ErrorCodes.Internal}: {invocationContext.HubMethodName} failed unexpectedly; it has been logged for connection {context.ConnectionId}.");
        }
    }
}
