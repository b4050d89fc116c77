namespace LoraTrainer.Agent.Datasets;

/// <summary>Shapes an unpacked dataset into the single flat image folder sd-scripts reads, and counts what is in it.</summary>
internal static class DatasetFolder
{
    /// <summary>The image extensions sd-scripts loads.</summary>
    public static readonly IReadOnlySet<string> ImageExtensions =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg", ".webp", ".bmp" };

    /// <summary>
    /// Moves files from sub-folders up into <paramref name="imageDirectory"/> (sd-scripts does not look into
    /// sub-folders), prefixing their names with the folder path. Files that share a name apart from the extension
    /// (an image and its caption) move together under one new name, so a renamed image keeps its caption and never
    /// takes over the caption of another image.
    /// </summary>
    public static void Flatten(string imageDirectory)
    {
        var root = Path.GetFullPath(imageDirectory);
        var nested = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(root, file))
            .Where(relative => relative.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

        // sd-scripts finds an image's caption by its name without the extension, so names are claimed per stem.
        var taken = Directory.EnumerateFiles(root).Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.Ordinal);
        foreach (var group in nested.GroupBy(StemOf, StringComparer.Ordinal))
        {
            var flat = group.Key.Replace(Path.DirectorySeparatorChar, '_');
            var stem = flat;
            for (var n = 2; taken.Contains(stem); n++)
            {
                stem = $"{flat}_{n}";
            }

            taken.Add(stem);
            foreach (var relative in group)
            {
                File.Move(Path.Combine(root, relative), Path.Combine(root, stem + Path.GetExtension(relative)));
            }
        }

        foreach (var directory in Directory.EnumerateDirectories(root).ToList())
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string StemOf(string relative) =>
        Path.Combine(Path.GetDirectoryName(relative) ?? "", Path.GetFileNameWithoutExtension(relative));

    /// <summary>Counts images, and images that have a caption file with <paramref name="captionExtension"/>.</summary>
    public static (int Images, int Captions) Count(string imageDirectory, string captionExtension)
    {
        var images = Directory.EnumerateFiles(imageDirectory).Where(f => ImageExtensions.Contains(Path.GetExtension(f))).ToList();
        var captions = images.Count(i => File.Exists(Path.ChangeExtension(i, captionExtension)));
        return (images.Count, captions);
    }

    /// <summary>True when the trainer can write its latent and text-encoder caches next to the images.</summary>
    public static bool IsWritable(string directory)
    {
        var probe = Path.Combine(directory, $".write-probe-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllText(probe, "");
            File.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
