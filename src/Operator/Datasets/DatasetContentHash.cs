using LoraTrainer.Datasets;
using System.Security.Cryptography;
using System.Text;

namespace LoraTrainer.Operator.Datasets;

/// <summary>Names a dataset zip by what goes into it, so the same images reuse the same zip without zipping again.</summary>
/// <remarks>
/// Covers each image's and caption's key, ETag and size, and the generated caption text, because that is
/// written into the zip too. An edited image changes its ETag, and so the hash. The version line lets a change
/// of zip layout retire every old zip at once.
/// </remarks>
internal static class DatasetContentHash
{
    private const string LayoutVersion = "loratrainer-dataset-zip/v1";

    /// <summary>Lowercase hex SHA-256 of the dataset's content description.</summary>
    public static string Compute(DatasetInventory inventory, string? generatedCaption)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, LayoutVersion);
        Append(hash, generatedCaption is null ? "captions:as-given" : $"captions:generated:{generatedCaption}");
        foreach (var image in inventory.Images.OrderBy(i => i.Object.Key, StringComparer.Ordinal))
        {
            Append(hash, $"image\t{image.Object.Key}\t{image.Object.ETag}\t{image.Object.Size}");
            if (image.Caption is { } caption)
            {
                Append(hash, $"caption\t{caption.Key}\t{caption.ETag}\t{caption.Size}");
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void Append(IncrementalHash hash, string line) => hash.AppendData(Encoding.UTF8.GetBytes(line + "\n"));
}
