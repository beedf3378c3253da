using System.Text.Json;
using Netra.Contracts.Realtime;
using Netra.Server.Chat;
using Netra.Server.Protection;
using Netra.Server.Uploads;

namespace Netra.Server.Realtime;

/// <summary>
/// The service-discovery document of seed 001 (<c>GET /ws/config</c>), snake_case as the seed
/// specifies it, so a client learns the endpoint, features and limits before it connects.
/// </summary>
internal static class DiscoveryDocument
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static object Create(LimitsOptions limits, RealtimeOptions realtime, ChatOptions chat, UploadOptions uploads) => new
    {
        WebsocketConfig = new
        {
            Version = "1.0",
            ProtocolVersion = NetraHub.ProtocolVersion,
            Features = new
            {
                JsonFirst = true,
                AuthRequired = true,
                HeartbeatSupported = true,
                ReconnectionSupported = true,
                ResumeSupported = true,
                IdempotentSends = true,
                OrderedDelivery = true,
                Presence = true,
                MessageEdits = true,
                ReadMarkers = true,
                Uploads = true,
                AgentRuns = true,
            },
            Endpoints = new
            {
                Websocket = HubPath.Hub,
                Negotiate = HubPath.Hub + "/negotiate",
                Login = "/api/auth/login",
                Register = "/api/auth/register",
            },
            ConnectionLimits = new
            {
                MaxConnectionsPerUser = limits.MaxConnectionsPerUser,
                MaxConnectionsPerNode = limits.MaxConnectionsPerNode,
                MaxSubscriptionsPerConnection = limits.MaxSubscriptionsPerConnection,
                MaxMessageRate = limits.MessagesPerMinute,
                MaxCallRate = limits.CallsPerMinute,
                MaxMessageBytes = limits.MaxMessageBytes,
                ConnectAttemptsPerMinutePerIp = limits.ConnectAttemptsPerMinutePerIp,
                LoginAttemptsPerMinute = limits.LoginAttemptsPerMinute,
                RegistrationsPerMinutePerIp = limits.RegistrationsPerMinutePerIp,
                PublishesPerMinutePerService = limits.PublishesPerMinutePerService,
                BatchPublishesPerMinutePerService = limits.BatchPublishesPerMinutePerService,
                HeartbeatInterval = realtime.KeepAliveSeconds * 1000,
                ClientTimeout = realtime.ClientTimeoutSeconds * 1000,
                OrderingWindow = realtime.OrderingWindowMs,
                MaxContentLength = chat.MaxContentLength,
                EditWindowHours = chat.EditWindowHours,
                MaxUploadBytes = uploads.MaxBytes,
                UploadUnattachedHours = uploads.UnattachedHours,
            },
        },
    };
}
