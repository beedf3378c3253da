using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Netra.Server.Metrics;

namespace Netra.Server.Errors;

internal static class ErrorsExtensions
{
    /// <summary>The largest request body of the API (JSON documents); uploads raise it for their endpoint.</summary>
    public const int MaxRequestBodyBytes = 1024 * 1024;

    public static WebApplicationBuilder AddNetraErrors(this WebApplicationBuilder builder)
    {
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // Every problem carries a code, also the ones the framework writes (404, 405, 401 ...).
            // Every problem written passes here, so this is also where HTTP errors are counted by code.
            var status = context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode;
            context.ProblemDetails.Extensions.TryAdd("code", ErrorStatus.CodeFor(status));
            if (status == StatusCodes.Status413PayloadTooLarge)
            {
                // Written by the framework, which says only "Content Too Large": say what the limit is.
                context.ProblemDetails.Detail ??= $"The request body is larger than this endpoint takes: {MaxRequestBodyBytes / 1024} KiB for the API (uploads: Netra:Uploads:MaxBytes).";
            }

            context.HttpContext.RequestServices.GetRequiredService<NetraMetrics>().Error((string)context.ProblemDetails.Extensions["code"]!);
        });

        // Malformed JSON or query values reach the exception handler instead of a bare 400.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.Configure<JsonOptions>(options => options.SerializerOptions.AllowTrailingCommas = false);

        // API bodies are small JSON documents; a larger body is refused before it is read.
        builder.WebHost.ConfigureKestrel(options => options.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        return builder;
    }
}
