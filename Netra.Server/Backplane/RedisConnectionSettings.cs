namespace Netra.Server.Backplane;

/// <summary>The StackExchange.Redis configuration string, from <c>ConnectionStrings:Redis</c>.</summary>
internal sealed class RedisConnectionSettings
{
    public string ConnectionString { get; set; } = "";
}
