using System.Buffers.Binary;
using System.Text;

namespace LoraTrainer.Operator.Tests.Datasets;

/// <summary>Files whose first bytes are what real JPEG, PNG, WebP and BMP files start with, followed by noise.</summary>
internal static class TestImages
{
    public static byte[] Jpeg(int length = 2_000, int seed = 1) =>
        Build(length, seed, [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .. "JFIF\0"u8]);

    public static byte[] Png(int length = 2_000, int seed = 2) =>
        Build(length, seed, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, .. "IHDR"u8]);

    public static byte[] WebP(int length = 2_000, int seed = 3)
    {
        var header = new byte[16];
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), length - 8);
        "WEBPVP8 "u8.CopyTo(header.AsSpan(8));
        return Build(length, seed, header);
    }

    public static byte[] Bmp(int length = 2_000, int seed = 4)
    {
        var header = new byte[18];
        "BM"u8.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(2), length);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(14), 40);
        return Build(length, seed, header);
    }

    public static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Build(int length, int seed, byte[] header)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        header.CopyTo(bytes, 0);
        return bytes;
    }
}
