using System.IO.Compression;
using LoraTrainer.Agent.Datasets;

namespace LoraTrainer.Agent.Tests.Datasets;

public sealed class SafeZipTests
{
    private static string MakeZip(TempFolder folder, Action<ZipArchive> fill)
    {
        var path = folder.Combine($"{Guid.NewGuid():N}.zip");
        using (var archive = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            fill(archive);
        }

        return path;
    }

    private static void Add(ZipArchive archive, string name, byte[] content, int? unixMode = null)
    {
        var entry = archive.CreateEntry(name, CompressionLevel.Optimal);
        if (unixMode is { } mode)
        {
            entry.ExternalAttributes = mode << 16;
        }

        using var stream = entry.Open();
        stream.Write(content);
    }

    [Fact]
    public void Extract_UnpacksImagesAndCaptionsInsideTheTarget()
    {
        using var folder = new TempFolder();
        var zip = MakeZip(folder, a =>
        {
            Add(a, "a.png", [1, 2, 3]);
            Add(a, "a.txt", "ohwx woman, smiling"u8.ToArray());
            Add(a, "set2/b.jpg", [4, 5]);
        });
        var target = folder.Combine("images");

        var (files, bytes) = SafeZip.Extract(zip, target, 100, 1_000);

        Assert.Equal(3, files);
        Assert.Equal(3 + 19 + 2, bytes);
        Assert.Equal("ohwx woman, smiling", File.ReadAllText(Path.Combine(target, "a.txt")));
        Assert.True(File.Exists(Path.Combine(target, "set2", "b.jpg")));
    }

    [Theory]
    [InlineData("../evil.png")]
    [InlineData("images/../../evil.png")]
    [InlineData("..\\evil.png")]
    public void Extract_RefusesPathTraversalAndWritesNothing(string name)
    {
        using var folder = new TempFolder();
        var zip = MakeZip(folder, a =>
        {
            Add(a, "good.png", [1]);
            Add(a, name, [1]);
        });
        var target = folder.Combine("images");

        var error = Assert.Throws<UnsafeZipException>(() => SafeZip.Extract(zip, target, 100, 1_000));

        Assert.Contains("..", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.Combine("evil.png")));
        Assert.False(File.Exists(Path.Combine(target, "good.png")));
    }

    [Theory]
    [InlineData("/etc/cron.d/evil")]
    [InlineData("C:/Windows/evil.png")]
    [InlineData("\\\\server\\share\\evil.png")]
    public void Extract_RefusesAbsolutePaths(string name)
    {
        using var folder = new TempFolder();
        var zip = MakeZip(folder, a => Add(a, name, [1]));

        var error = Assert.Throws<UnsafeZipException>(() => SafeZip.Extract(zip, folder.Combine("images"), 100, 1_000));

        Assert.Contains("absolute", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_RefusesSymbolicLinks()
    {
        using var folder = new TempFolder();
        var zip = MakeZip(folder, a => Add(a, "link.png", "/etc/passwd"u8.ToArray(), unixMode: 0xA1FF));

        var error = Assert.Throws<UnsafeZipException>(() => SafeZip.Extract(zip, folder.Combine("images"), 100, 1_000));

        Assert.Contains("link", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_RefusesAZipBombByInflatedSize()
    {
        using var folder = new TempFolder();
        var zip = MakeZip(folder, a => Add(a, "bomb.png", new byte[5_000_000]));

        Assert.True(new FileInfo(zip).Length < 50_000);
        var error = Assert.Throws<UnsafeZipException>(() => SafeZip.Extract(zip, folder.Combine("images"), 100, 1_000_000));

        Assert.Contains("1000000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_WhenTheZipUnderstatesAnEntrysSize_IsStoppedByTheBytesActuallyWritten()
    {
        using var folder = new TempFolder();
        var zip = MakeZip(folder, a =>
        {
            var entry = a.CreateEntry("liar.png", CompressionLevel.NoCompression);
            using var stream = entry.Open();
            stream.Write(new byte[200_000]);
        });
        DeclareUncompressedSize(zip, 100);
        using (var check = ZipFile.OpenRead(zip))
        {
            Assert.Equal(100, check.Entries[0].Length);
        }

        var error = Assert.Throws<UnsafeZipException>(() => SafeZip.Extract(zip, folder.Combine("images"), 100, 10_000));

        Assert.Contains("'liar.png' inflates beyond the size limit", error.Message, StringComparison.Ordinal);
        Assert.True(!File.Exists(folder.Combine("images", "liar.png")) || new FileInfo(folder.Combine("images", "liar.png")).Length <= 10_000);
    }

    /// <summary>Rewrites the uncompressed size of a one-entry zip in its local header and central directory, as a crafted zip would.</summary>
    private static void DeclareUncompressedSize(string zipPath, uint size)
    {
        var bytes = File.ReadAllBytes(zipPath);
        const uint LocalHeader = 0x04034b50, CentralHeader = 0x02014b50;
        Assert.Equal(LocalHeader, BitConverter.ToUInt32(bytes, 0));
        BitConverter.GetBytes(size).CopyTo(bytes, 22);
        var central = Enumerable.Range(0, bytes.Length - 4).Last(i => BitConverter.ToUInt32(bytes, i) == CentralHeader);
        BitConverter.GetBytes(size).CopyTo(bytes, central + 24);
        File.WriteAllBytes(zipPath, bytes);
    }

    [Fact]
    public void Extract_RefusesTooManyEntries()
    {
        using var folder = new TempFolder();
        var zip = MakeZip(folder, a =>
        {
            for (var i = 0; i < 11; i++)
            {
                Add(a, $"{i}.png", [1]);
            }
        });

        var error = Assert.Throws<UnsafeZipException>(() => SafeZip.Extract(zip, folder.Combine("images"), 10, 1_000));

        Assert.Contains("11 entries", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_SkipsMacOsMetadataThatWouldLookLikeImages()
    {
        using var folder = new TempFolder();
        var zip = MakeZip(folder, a =>
        {
            Add(a, "a.png", [1]);
            Add(a, "__MACOSX/._a.png", [0]);
            Add(a, "._b.png", [0]);
        });
        var target = folder.Combine("images");

        SafeZip.Extract(zip, target, 100, 1_000);

        Assert.Equal(["a.png"], Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Select(Path.GetFileName));
    }
}
