using System.Diagnostics.CodeAnalysis;
using LoraTrainer.Api.Schema;

namespace LoraTrainer.Testing;

/// <summary>Locates files of the repository from a test's (or the kit's) output folder.</summary>
public static class RepositoryRoot
{
    private static readonly string? Found = CrdGenerator.FindRepository(AppContext.BaseDirectory);

    /// <summary>The folder holding LoraTrainer.sln.</summary>
    /// <exception cref="InvalidOperationException">The code runs outside a checkout of the repository.</exception>
    public static string Path => Found ?? throw new InvalidOperationException("LoraTrainer.sln not found above " + AppContext.BaseDirectory);

    /// <summary>An absolute path for a path relative to the repository root.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>The repository root, or false when the code runs outside a checkout (a copied or published build).</summary>
    public static bool TryGet([NotNullWhen(true)] out string? path)
    {
        path = Found;
        return path is not null;
    }
}
