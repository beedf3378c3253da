using System.Security.Claims;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Netra.Contracts.Uploads;
using Netra.Server.Auth;
using Netra.Server.Configuration;
using Netra.Server.Errors;
using Netra.Server.Protection;

namespace Netra.Server.Uploads;

internal static class UploadsExtensions
{
    public static WebApplicationBuilder AddNetraUploads(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<UploadOptions>(UploadOptions.SectionName);
        builder.Services.AddSingleton<IValidateOptions<UploadOptions>, UploadOptionsValidator>();
        builder.Services.AddSingleton<UploadStore>();
        builder.Services.AddSingleton<UploadService>();
        builder.Services.AddHostedService<UploadSweeper>();
        return builder;
    }

    /// <summary>
    /// <c>POST /api/uploads</c> (signed in, multipart) stores a file; <c>GET /uploads/{name}</c> serves it to whoever
    /// holds its unguessable path, with headers that keep a browser from running or sniffing it.
    /// </summary>
    public static IEndpointRouteBuilder MapUploads(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/uploads", async Task<Created<UploadResult>> (HttpContext http, ClaimsPrincipal user, UploadService uploads, IOptions<UploadOptions> options, CancellationToken cancellationToken) =>
        {
            // The API's 1 MiB body limit is raised for this endpoint only, to the file limit plus the multipart framing.
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = options.Value.MaxBytes + UploadService.MultipartOverheadBytes;
            }

            if (!http.Request.HasFormContentType)
            {
                throw ProblemException.Validation("Send the file as multipart/form-data (field 'file').");
            }

            var reservation = await uploads.ReserveAsync(user.GetUserId(), http.Request.ContentLength, cancellationToken);
            try
            {
                var form = await ReadFormAsync(http.Request, cancellationToken);
                var result = await uploads.StoreAsync(user.GetUserId(), form.Files.GetFile("file") ?? (form.Files.Count > 0 ? form.Files[0] : null), form.Files.Count, cancellationToken);
                return TypedResults.Created(result.Path, result);
            }
            finally
            {
                // Recorded (it counts as held now) or refused: either way no longer in progress.
                await uploads.ReleaseAsync(reservation);
            }
        }).WithTags("Uploads").RequireAuthorization().LimitUserCalls();

        endpoints.MapGet("/uploads/{name}", async Task<Results<PhysicalFileHttpResult, NotFound>> (string name, HttpContext http, UploadService uploads, CancellationToken cancellationToken) =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
            headers.CacheControl = "private, max-age=86400";
            if (await uploads.FindAsync(name, cancellationToken) is not { } file)
            {
                return TypedResults.NotFound();
            }

            // Images may show inline (as <img>); anything else downloads. Text is plain text in UTF-8, never HTML.
            var contentType = file.ContentType == FileSniffer.Text ? "text/plain; charset=utf-8" : file.ContentType;
            if (FileSniffer.IsImage(file.ContentType))
            {
                headers.ContentDisposition = "inline";
                return TypedResults.PhysicalFile(file.Path, contentType);
            }

            return TypedResults.PhysicalFile(file.Path, contentType, fileDownloadName: name);
        }).WithTags("Uploads").AllowAnonymous();

        return endpoints;
    }

    /// <summary>
    /// The request's form; a body ASP.NET Core's multipart reader cannot parse (no boundary, a boundary never met, a part
    /// cut off) is the client's mistake, <c>VALIDATION_FAILED</c>, not a server failure.
    /// </summary>
    private static async Task<IFormCollection> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException exception)
        {
            throw ProblemException.Validation($"The multipart body is malformed: {exception.Message}");
        }
        catch (IOException exception) when (exception.Message.StartsWith("Unexpected end of Stream", StringComparison.Ordinal))
        {
            // The multipart reader's words for a body that ended inside a part (its only IOException of its own);
            // a failing disk while the form is buffered stays a server failure.
            throw ProblemException.Validation("The multipart body ended inside a part: its closing boundary never came.");
        }
    }
}
