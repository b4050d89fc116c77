using System.Text;
using System.Text.Unicode;

namespace LoraTrainer.Datasets;

/// <summary>Image formats the trainer reads.</summary>
public enum ImageFormat
{
    /// <summary>JPEG (FF D8 FF).</summary>
    Jpeg,
    /// <summary>PNG (89 'PNG' 0D 0A 1A 0A).</summary>
    Png,
    /// <summary>WebP ('RIFF' size 'WEBP').</summary>
    WebP,
    /// <summary>Windows bitmap ('BM' with a known DIB header size).</summary>
    Bmp,
}

/// <summary>Recognises an image by its first bytes, and says what a non-image looks like.</summary>
/// <remarks>
/// Any of the four formats is accepted whatever the file's extension says, as the trainer decodes by content;
/// a text file renamed to <c>.jpg</c> is not. BMP's two-byte magic is weak, so the DIB header size at offset 14
/// must also be one the format defines.
/// </remarks>
public static class ImageSignature
{
    /// <summary>Bytes to read from the start of each file: enough for every check here.</summary>
    public const int HeaderLength = 32;

    private static readonly int[] DibHeaderSizes = [12, 16, 40, 52, 56, 64, 108, 124];

    /// <summary>The image format these leading bytes start, or null.</summary>
    public static ImageFormat? Detect(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return ImageFormat.Jpeg;
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return ImageFormat.Png;
        }

        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return ImageFormat.WebP;
        }

        if (head.Length >= 18 && head.StartsWith("BM"u8) && DibHeaderSizes.Contains(BitConverter.ToInt32(head[14..18])))
        {
            return ImageFormat.Bmp;
        }

        return null;
    }

    /// <summary>What a file that is not an image starts like, for the refusal message (e.g. "starts like a text file").</summary>
    public static string DescribeNonImage(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty)
        {
            return "is empty";
        }

        if (head.StartsWith("GIF8"u8))
        {
            return "is a GIF, which the trainer does not read: convert it to PNG";
        }

        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8))
        {
            var brand = Encoding.ASCII.GetString(head[8..12]);
            return brand.StartsWith("avi", StringComparison.Ordinal)
                ? "is an AVIF image, which the trainer does not read: convert it to JPEG or PNG"
                : "is a HEIC/MP4 file, which the trainer does not read: convert it to JPEG or PNG";
        }

        if (head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8))
        {
            return "is a TIFF image, which the trainer does not read: convert it to PNG";
        }

        if (head.StartsWith("%PDF"u8))
        {
            return "starts like a PDF";
        }

        if (head.StartsWith("PK"u8))
        {
            return "starts like a zip archive";
        }

        var text = head.TrimStart("\uFEFF"u8).TrimStart(" \t\r\n"u8);
        if (text.StartsWith("<"u8))
        {
            return "starts like an HTML or XML document";
        }

        return LooksLikeText(head) ? "starts like a text file" : "starts with bytes of no known image format";
    }

    private static bool LooksLikeText(ReadOnlySpan<byte> head)
    {
        // Printable ASCII, whitespace, or UTF-8 multi-byte sequences (the last one may be cut by the range).
        foreach (var b in head)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r'))
            {
                return false;
            }
        }

        return Utf8.IsValid(head) || Utf8.IsValid(head[..^Math.Min(3, head.Length)]);
    }
}
