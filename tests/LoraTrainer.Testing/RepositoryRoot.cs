namespace LoraTrainer.Testing;

/// <summary>Locates files of the repository from a test's output folder.</summary>
public static class RepositoryRoot
{
    /// <summary>The folder holding LoraTrainer.sln.</summary>
    public static string Path { get; } = Find();

    /// <summary>An absolute path for a path relative to the repository root.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(System.IO.Path.Combine(directory.FullName, "LoraTrainer.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("LoraTrainer.sln not found above " + AppContext.BaseDirectory);
    }
}
