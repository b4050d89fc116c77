namespace LoraTrainer.Testing.World;

/// <summary>Files that start as real JPEG and PNG files do, followed by noise: enough for the dataset checks and the fake trainer.</summary>
internal static class Image
{
    public static byte[] Jpeg(int seed) => Build(seed, [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .. "JFIF\0"u8]);

    public static byte[] Png(int seed) => Build(seed, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, .. "IHDR"u8]);

    private static byte[] Build(int seed, byte[] header)
    {
        var bytes = new byte[2_000];
        new Random(seed).NextBytes(bytes);
        header.CopyTo(bytes, 0);
        return bytes;
    }
}
