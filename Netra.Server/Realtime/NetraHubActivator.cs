using Microsoft.AspNetCore.SignalR;

namespace Netra.Server.Realtime;

/// <summary>
/// Makes each hub call's <see cref="NetraHub"/> from the app's services. SignalR's default activator is a scoped service (it
/// takes the call's services), so every call resolved it into a dictionary that the call's scope made for it; every service
/// the hub takes is a singleton (<c>NetraHubActivatorTests</c> checks it), so one activator for the app makes the same hub
/// without that.
/// </summary>
internal sealed class NetraHubActivator(IServiceProvider services) : IHubActivator<NetraHub>
{
    private static readonly ObjectFactory<NetraHub> Factory = ActivatorUtilities.CreateFactory<NetraHub>([]);

    public NetraHub Create() => Factory(services, null);

    public void Release(NetraHub hub) => hub.Dispose();
}
