using Microsoft.AspNetCore.SignalR;
using Netra.Contracts;
using Netra.Server.Errors;
using Netra.Server.Metrics;
using Netra.Server.Storage;

namespace Netra.Server.Realtime;

/// <summary>
/// Turns expected failures into <c>HubException("CODE: message")</c> and everything else into
/// <c>INTERNAL</c>, logged with the exception, so a client always learns that a call failed and why. PostgreSQL out of
/// reach is <c>INTERNAL</c> too, but says so, and is logged as a warning without the stack.
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
        catch (Exception exception) when (PostgresErrors.IsUnavailable(exception))
        {
            // Not a bug: the call can succeed as it is once the database is back (a SendMessage with the same clientMessageId).
            ErrorsLog.StorageUnavailableHub(logger, invocationContext.HubMethodName, context.ConnectionId, exception.Message);
            metrics.Error(ErrorCodes.Internal);
            throw new HubException($"{ErrorCodes.Internal}: {PostgresErrors.UnavailableMessage}");
        }
        catch (Exception exception)
        {
            ErrorsLog.UnhandledHubException(logger, invocationContext.HubMethodName, context.ConnectionId, context.UserIdentifier, exception);
            metrics.Error(ErrorCodes.Internal);
            throw new HubException($"{ErrorCodes.Internal}: {invocationContext.HubMethodName} failed unexpectedly; it has been logged for connection {context.ConnectionId}.");
        }
    }
}
