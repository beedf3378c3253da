using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Netra.Client.Transport;

/// <summary>
/// <c>WithUrl</c> for <see cref="IHubConnectionBuilder"/>, backed by <see cref="WebSocketConnectionFactory"/>.
/// </summary>
/// <remarks>
/// The official <c>Microsoft.AspNetCore.SignalR.Client</c> package cannot be restored here, so this
/// stands in for its <c>HubConnectionBuilderHttpExtensions.WithUrl</c>, with the same shape and option
/// names. Code written against it moves to the official package by replacing
/// <c>using Netra.Client.Transport;</c> with the official package's namespaces (and the option type's name
/// where it is spelled out), nothing else.
/// </remarks>
public static class HubConnectionBuilderExtensions
{
    /// <summary>Connects the hub connection to <paramref name="url"/> over WebSockets.</summary>
    public static IHubConnectionBuilder WithUrl(this IHubConnectionBuilder builder, Uri url, Action<WebSocketConnectionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(url);

        builder.Services.Configure<WebSocketConnectionOptions>(options =>
        {
            options.Url = url;
            configure?.Invoke(options);
        });

        // The endpoint is read from the options, so that a configure callback that changes Url wins.
        builder.Services.AddSingleton<EndPoint>(services => new UriEndPoint(
            services.GetRequiredService<IOptions<WebSocketConnectionOptions>>().Value.Url
            ?? throw new InvalidOperationException($"{nameof(WebSocketConnectionOptions)}.{nameof(WebSocketConnectionOptions.Url)} was set to null.")));
        builder.Services.AddSingleton<IConnectionFactory, WebSocketConnectionFactory>();
        return builder;
    }

    /// <summary>Connects the hub connection to <paramref name="url"/> over WebSockets.</summary>
    public static IHubConnectionBuilder WithUrl(this IHubConnectionBuilder builder, string url, Action<WebSocketConnectionOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(url);
        return builder.WithUrl(new Uri(url), configure);
    }
}
