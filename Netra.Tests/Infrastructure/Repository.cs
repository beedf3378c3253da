namespace Netra.Tests.Infrastructure;

/// <summary>The checkout the tests run from, for tests that use its scripts, peers and tools.</summary>
internal static class Repository
{
    /// <summary>The folder of <c>Netra.sln</c>, found above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Netra.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Netra.sln in {AppContext.BaseDirectory} or any folder above it.");
    }
}
