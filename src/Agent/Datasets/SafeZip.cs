using System.IO.Compression;

namespace LoraTrainer.Agent.Datasets;

/// <summary>
/// Unpacks a zip that came from elsewhere without trusting it: every entry name must stay inside the target
/// folder (no <c>..</c>, no absolute or drive paths), links are refused, and entry count and unpacked size are
/// capped, counting the bytes actually inflated rather than the sizes the zip declares.
/// </summary>
internal static class SafeZip
{
    /// <summary>Checks every entry, then unpacks them into <paramref name="destination"/>. Nothing is written when a name is unsafe.</summary>
    /// <returns>The number of files written and their total size.</returns>
    /// <exception cref="UnsafeZipException">The zip breaks one of the rules; the message names the entry.</exception>
    public static (int Files, long Bytes) Extract(string zipPath, string destination, int maxEntries, long maxBytes)
    {
        using var archive = ZipFile.OpenRead(zipPath);
        if (archive.Entries.Count > maxEntries)
        {
            throw new UnsafeZipException($"The dataset zip has {archive.Entries.Count} entries; at most {maxEntries} are accepted.");
        }

        var root = Path.GetFullPath(destination);
        var plan = new List<(ZipArchiveEntry Entry, string Target)>();
        long declared = 0;
        foreach (var entry in archive.Entries)
        {
            if (IsLink(entry))
            {
                throw new UnsafeZipException($"The dataset zip entry '{entry.FullName}' is a link; links are not accepted.");
            }

            var relative = SafeRelativePath(entry.FullName);
            declared += entry.Length;
            if (declared > maxBytes)
            {
                throw new UnsafeZipException($"The dataset zip unpacks to more than {maxBytes} bytes, the most accepted.");
            }

            if (relative is not null && !IsMacMetadata(relative))
            {
                var target = Path.GetFullPath(Path.Combine(root, relative));
                if (!target.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw new UnsafeZipException($"The dataset zip entry '{entry.FullName}' points outside the dataset folder.");
                }

                plan.Add((entry, target));
            }
        }

        long written = 0;
        var files = 0;
        foreach (var (entry, target) in plan)
        {
            if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\'))
            {
                Directory.CreateDirectory(target);
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            written += CopyCapped(entry, target, maxBytes - written);
            files++;
        }

        return (files, written);
    }

    /// <summary>The entry name as a relative path, or null for a name that is only separators or dots.</summary>
    /// <exception cref="UnsafeZipException">The name is absolute or climbs out with <c>..</c>.</exception>
    public static string? SafeRelativePath(string entryName)
    {
        var name = entryName.Replace('\\', '/');
        if (name.StartsWith('/') || (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0])) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new UnsafeZipException($"The dataset zip entry '{entryName}' has an absolute path.");
        }

        var segments = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToArray();
        if (segments.Contains(".."))
        {
            throw new UnsafeZipException($"The dataset zip entry '{entryName}' climbs out of the dataset folder with '..'.");
        }

        return segments.Length == 0 ? null : Path.Combine(segments);
    }

    // Unix mode bits live in the high 16 bits of the external attributes of zips made on Unix.
    private static bool IsLink(ZipArchiveEntry entry) => ((entry.ExternalAttributes >> 16) & 0xF000) == 0xA000;

    // macOS adds __MACOSX/ and ._name files; the trainer would try to read the ._name.png ones as images.
    private static bool IsMacMetadata(string relative) =>
        relative.Split(Path.DirectorySeparatorChar).Any(s => s == "__MACOSX" || s.StartsWith("._", StringComparison.Ordinal));

    private static long CopyCapped(ZipArchiveEntry entry, string target, long remaining)
    {
        using var source = entry.Open();
        using var output = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var buffer = new byte[1 << 16];
        long copied = 0;
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            copied += read;
            if (copied > remaining)
            {
                throw new UnsafeZipException($"The dataset zip entry '{entry.FullName}' inflates beyond the size limit (a zip bomb?).");
            }

            output.Write(buffer, 0, read);
        }

        return copied;
    }
}

/// <summary>A dataset zip that is refused; the message says which entry and why.</summary>
internal sealed class UnsafeZipException(string message) : Exception(message);
