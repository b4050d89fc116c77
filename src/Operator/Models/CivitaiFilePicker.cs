namespace LoraTrainer.Operator.Models;

/// <summary>Chooses which of a version's files is the checkpoint to train on.</summary>
internal static class CivitaiFilePicker
{
    /// <summary>
    /// The primary model file in SafeTensor format; failing that, any model file in SafeTensor format (a version
    /// whose primary file is a pickle often also offers a safetensors one). Null when there is none: pickles
    /// can run code when loaded and sd-scripts' safetensors path is the one we support.
    /// </summary>
    public static CivitaiFile? Pick(CivitaiModelVersion version)
    {
        var candidates = (version.Files ?? [])
            .Where(f => IsModel(f) && string.Equals(f.Metadata?.Format, "SafeTensor", StringComparison.OrdinalIgnoreCase))
            .ToList();
        return candidates.FirstOrDefault(f => f.Primary == true)
            ?? candidates.FirstOrDefault(f => string.Equals(f.Type, "Model", StringComparison.OrdinalIgnoreCase))
            ?? candidates.FirstOrDefault();
    }

    /// <summary>File formats a version offers, for the message when none fits.</summary>
    public static string DescribeFormats(CivitaiModelVersion version)
    {
        var formats = (version.Files ?? []).Where(IsModel).Select(f => f.Metadata?.Format ?? "unknown").Distinct().ToList();
        return formats.Count == 0 ? "no model files" : "only " + string.Join(", ", formats);
    }

    /// <summary>The size in bytes from Civitai's <c>sizeKB</c> (bytes / 1024 as a double, exact for any real file).</summary>
    public static long Bytes(CivitaiFile file) => (long)Math.Round(file.SizeKB * 1024);

    /// <summary>The lowercase hex SHA-256, or null when Civitai has none.</summary>
    public static string? Sha256(CivitaiFile file) =>
        file.Hashes?.FirstOrDefault(h => string.Equals(h.Key, "SHA256", StringComparison.OrdinalIgnoreCase)).Value?.ToLowerInvariant();

    private static bool IsModel(CivitaiFile file) =>
        file.Type is not null && (file.Type.Equals("Model", StringComparison.OrdinalIgnoreCase)
            || file.Type.Equals("Pruned Model", StringComparison.OrdinalIgnoreCase));
}
