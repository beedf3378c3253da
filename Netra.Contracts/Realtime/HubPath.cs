namespace Netra.Contracts.Realtime;

/// <summary>Where the hub and its discovery document are mapped.</summary>
public static class HubPath
{
    public const string Hub = "/ws";
    public const string Config = "/ws/config";
}
