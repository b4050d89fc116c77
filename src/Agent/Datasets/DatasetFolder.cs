namespace LoraTrainer.Agent.Datasets;

/// <summary>Shapes an unpacked dataset into the single flat image folder sd-scripts reads, and counts what is in it.</summary>
internal static class DatasetFolder
{
    /// <summary>The image extensions sd-scripts loads.</summary>
    public static readonly IReadOnlySet<string> ImageExtensions =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { ".png", ".jpg", ".jpeg", ".webp", ".bmp" };

    /// <summary>
    /// Moves files from sub-folders up into <paramref name="imageDirectory"/> (sd-scripts does not look into
    /// sub-folders), prefixing their names with the folder path so that images keep their captions and never collide.
    /// </summary>
    public static void Flatten(string imageDirectory)
    {
        var root = Path.GetFullPath(imageDirectory);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToList())
        {
            var relative = Path.GetRelativePath(root, file);
            if (!relative.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                continue;
            }

            var flat = relative.Replace(Path.DirectorySeparatorChar, '_');
            var target = Path.Combine(root, flat);
            for (var n = 2; File.Exists(target); n++)
            {
                target = Path.Combine(root, $"{Path.GetFileNameWithoutExtension(flat)}_{n}{Path.GetExtension(flat)}");
            }

            File.Move(file, target);
        }

        foreach (var directory in Directory.EnumerateDirectories(root).ToList())
        {
            Directory.Delete(directory, recursive: true);
        }
    }

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
