using System.Security.Cryptography;

namespace LoraTrainer.Agent.Downloads;

/// <summary>Streams a file through SHA-256 (and MD5 where an S3 ETag is compared).</summary>
internal static class FileHashes
{
    /// <summary>Lowercase hex SHA-256 of the file.</summary>
    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    /// <summary>Lowercase hex MD5 of the file: what S3 answers as the ETag of a single-part PUT.</summary>
    public static async Task<string> Md5Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = OpenRead(path);
#pragma warning disable CA5351 // MD5 here only compares with S3's ETag; it protects nothing.
        return Convert.ToHexStringLower(await MD5.HashDataAsync(stream, cancellationToken));
#pragma warning restore CA5351
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
}
