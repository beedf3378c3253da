namespace Netra.Server.Storage;

/// <summary>
/// Where a node keeps local files (<c>Netra:DataDirectory</c>, default <c>.netra</c> under the content
/// root): the Development signing key, later uploads. Git-ignored in the repository.
/// </summary>
internal sealed class DataDirectoryOptions
{
    public string Path { get; set; } = ".netra";
}
