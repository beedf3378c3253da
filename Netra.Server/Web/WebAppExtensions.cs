namespace Netra.Server.Web;

internal static class WebAppExtensions
{
    /// <summary>
    /// Sends <c>/</c> to the chat app at <c>/app/</c> when it has been built (<c>web/</c>, <c>npm run build</c>);
    /// without it, <c>/</c> stays the status page (<c>wwwroot/index.html</c>).
    /// </summary>
    public static IApplicationBuilder UseWebAppAtRoot(this WebApplication app) =>
        app.Use((context, next) =>
        {
            if (context.Request.Path == "/" && HttpMethods.IsGet(context.Request.Method)
                && app.Environment.WebRootFileProvider.GetFileInfo("app/index.html").Exists)
            {
                context.Response.Redirect("/app/");
                return Task.CompletedTask;
            }

            return next(context);
        });
}
