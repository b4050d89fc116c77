using System.Security.Cryptography;

namespace LoraTrainer.Storage;

/// <summary>Files on disk to and from a store, each with its SHA-256.</summary>
internal static class ObjectStoreFiles
{
    /// <summary>The user metadata key that records an object's SHA-256 (<c>x-amz-meta-sha256</c>).</summary>
    public const string Sha256Metadata = "sha256";

    /// <summary>The SHA-256 the object records, or null when it records none or there is no object.</summary>
    public static async Task<string?> RecordedSha256Async(this IObjectStore store, string bucket, string key, CancellationToken cancellationToken) =>
        await store.HeadAsync(bucket, key, cancellationToken).ConfigureAwait(false) is { } head && head.Metadata.TryGetValue(Sha256Metadata, out var sha256)
            ? sha256
            : null;

    /// <summary>Uploads the file at <paramref name="path"/> in one PUT (up to 5 GB), recording <paramref name="sha256"/>, its SHA-256.</summary>
    public static async Task UploadFileAsync(this IObjectStore store, string bucket, string key, string path, string sha256, CancellationToken cancellationToken)
    {
        await using var content = File.OpenRead(path);
        await store.PutAsync(bucket, key, content, null, new Dictionary<string, string> { [Sha256Metadata] = sha256 }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Downloads an object to <paramref name="path"/> and returns the SHA-256 of the bytes read. They are written beside it
    /// and moved into place once complete, so an interrupted download never leaves a partial file under the name.
    /// </summary>
    public static async Task<string> DownloadFileAsync(this IObjectStore store, string bucket, string key, string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var partial = path + ".part";
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var body = await store.OpenReadAsync(bucket, key, cancellationToken).ConfigureAwait(false))
        await using (var file = File.Create(partial))
        {
            var buffer = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }
        }

        File.Move(partial, path, overwrite: true);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
