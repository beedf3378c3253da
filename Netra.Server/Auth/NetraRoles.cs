namespace Netra.Server.Auth;

/// <summary>Values of the <c>role</c> claim (DESIGN.md).</summary>
internal static class NetraRoles
{
    /// <summary>Operators: <c>/api/admin/*</c>.</summary>
    public const string Admin = "admin";

    /// <summary>Backend services: the publish APIs (<c>/api/publish</c>, <c>/api/issues/{id}/events</c>, <c>/api/alerts</c>).</summary>
    public const string Service = "service";
}
