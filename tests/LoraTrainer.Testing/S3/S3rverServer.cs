using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace LoraTrainer.Testing.S3;

/// <summary>A real S3-compatible server (s3rver, from npm) on 127.0.0.1 and a free port, with its own temporary data folder.</summary>
/// <remarks>
/// s3rver is pinned by package.json at the repository root and installed there by <c>npm ci</c> on first use
/// (<see cref="S3rverInstaller"/>). It accepts any well-formed SigV4 signature for the key S3RVER/S3RVER without
/// checking it, so tampered presigned URLs cannot be tested here. Two gaps of s3rver 3.7.1 shape the tests:
/// <list type="bullet">
/// <item>It has no ListMultipartUploads (501) and no AbortMultipartUpload (a DELETE with <c>?uploadId</c> answers 405),
/// so an aborted upload's parts stay in its data folder. <see cref="PendingUploadIds"/> reads that folder, and
/// <see cref="S3rverProxy"/> in front of it answers the abort as S3 does and deletes the parts, and lists the uploads
/// that folder holds.</item>
/// <item>It encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17 and later) only offers from
/// its legacy provider: node runs with <c>--openssl-legacy-provider</c>, without which every second page of a listing
/// fails with a 500.</item>
/// </list>
/// </remarks>
public sealed partial class S3rverServer : IAsyncDisposable
{
    /// <summary>The access key id s3rver accepts.</summary>
    public const string AccessKeyId = "S3RVER";

    /// <summary>The secret access key s3rver accepts.</summary>
    public const string SecretAccessKey = "S3RVER";

    /// <summary>The region s3rver signs continuation tokens for.</summary>
    public const string Region = "us-east-1";

    private readonly Process _process;
    private readonly AmazonS3Client _client;

    private S3rverServer(Process process, Uri serviceUrl, string dataDirectory)
    {
        _process = process;
        ServiceUrl = serviceUrl;
        DataDirectory = dataDirectory;
        _client = ClientFor(serviceUrl);
    }

    /// <summary>The endpoint, e.g. <c>http://127.0.0.1:41743/</c>.</summary>
    public Uri ServiceUrl { get; }

    /// <summary>Where s3rver keeps buckets and objects; deleted on dispose.</summary>
    public string DataDirectory { get; }

    /// <summary>
    /// Installs s3rver into the repository on first use (one process at a time); null when it can start, else why it
    /// cannot run on this machine (node or npm missing, or the code runs outside a checkout), for a test to skip with.
    /// </summary>
    /// <exception cref="InvalidOperationException"><c>npm ci</c> failed.</exception>
    public static Task<string?> EnsureInstalledAsync(CancellationToken cancellationToken = default) =>
        RepositoryRoot.TryGet(out var root)
            ? new S3rverInstaller(root).EnsureInstalledAsync(cancellationToken)
            : Task.FromResult<string?>("s3rver runs from a checkout of the repository (package.json pins it), and this build is not in one.");

    /// <summary>Starts s3rver on a free port and waits until it listens.</summary>
    /// <exception cref="InvalidOperationException">s3rver cannot run here or could not be installed, or it did not start.</exception>
    public static Task<S3rverServer> StartAsync(CancellationToken cancellationToken = default) => StartAsync(port: 0, cancellationToken);

    /// <summary>Starts s3rver on 127.0.0.1:<paramref name="port"/> (0 picks a free port) and waits until it listens.</summary>
    /// <exception cref="InvalidOperationException">s3rver cannot run here or could not be installed, or it did not start (for example, the port is taken).</exception>
    public static async Task<S3rverServer> StartAsync(int port, CancellationToken cancellationToken = default)
    {
        if (await EnsureInstalledAsync(cancellationToken) is { } unavailable)
        {
            throw new InvalidOperationException(unavailable);
        }

        var executable = RepositoryRoot.Combine("node_modules", ".bin", "s3rver");
        var dataDirectory = Directory.CreateTempSubdirectory("s3rver-").FullName;
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { "--openssl-legacy-provider", executable, "-d", dataDirectory, "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "--silent" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node for s3rver.");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(new Uri($"http://127.0.0.1:{match.Groups[1].Value}/"));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                errors.Enqueue(e.Data);
            }
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(
            new InvalidOperationException($"s3rver exited with {process.ExitCode}: {string.Join(" | ", errors)}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var url = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return new S3rverServer(process, url, dataDirectory);
        }
        catch
        {
            Stop(process);
            TryDelete(dataDirectory);
            throw;
        }
    }

    /// <summary>
    /// An SDK client for s3rver at <paramref name="serviceUrl"/> (its own URL, or a proxy's in front of it): path-style,
    /// and checksums only where required, because s3rver stores aws-chunked bodies as they come.
    /// </summary>
    public static AmazonS3Client ClientFor(Uri serviceUrl) =>
        new(new BasicAWSCredentials(AccessKeyId, SecretAccessKey),
            new AmazonS3Config
            {
                ServiceURL = serviceUrl.ToString(),
                AuthenticationRegion = Region,
                ForcePathStyle = true,
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
            });

    /// <summary>Creates <paramref name="bucket"/> unless it exists.</summary>
    public async Task EnsureBucketAsync(string bucket, CancellationToken cancellationToken = default)
    {
        try
        {
            await _client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, cancellationToken);
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
    }

    /// <summary>Creates a bucket with a fresh name, so tests sharing one server never see each other's objects.</summary>
    public async Task<string> NewBucketAsync(CancellationToken cancellationToken = default)
    {
        var bucket = $"t{Guid.NewGuid():N}"[..24];
        await EnsureBucketAsync(bucket, cancellationToken);
        return bucket;
    }

    /// <summary>Writes an object (test arrangement).</summary>
    public Task PutObjectAsync(string bucket, string key, byte[] content, CancellationToken cancellationToken = default) =>
        _client.PutObjectAsync(
            new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(content), UseChunkEncoding = false },
            cancellationToken);

    /// <summary>
    /// Writes objects straight into s3rver's data folder, in the layout s3rver 3.7.1 keeps (the content in
    /// <c>&lt;key&gt;._S3rver_object</c>, its MD5 beside it, its metadata in <c>&lt;key&gt;._S3rver_metadata.json</c>), for
    /// tests that need thousands of objects: s3rver then lists and serves them as if they had been PUT, and seeding
    /// 10,000 takes about a second where PUTs take most of a minute on a busy machine.
    /// </summary>
    public void SeedObjects(string bucket, IEnumerable<KeyValuePair<string, byte[]>> objects)
    {
        var bucketPath = Path.Combine(DataDirectory, bucket);
        if (!Directory.Exists(bucketPath))
        {
            throw new InvalidOperationException($"bucket '{bucket}' does not exist: create it first.");
        }

        Parallel.ForEach(objects, new ParallelOptions { MaxDegreeOfParallelism = 4 }, item =>
        {
            var (key, content) = item;
            var path = Path.Combine(bucketPath, key) + "._S3rver_";
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path + "object", content);
            File.WriteAllText(path + "object.md5", Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(content)));
            File.WriteAllText(path + "metadata.json", """{ "content-type": "binary/octet-stream" }""");
        });
    }

    /// <summary>Reads a whole object (test assertion); null when it does not exist.</summary>
    public async Task<byte[]?> GetObjectAsync(string bucket, string key, CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await _client.GetObjectAsync(bucket, key, cancellationToken);
            using var copy = new MemoryStream();
            await response.ResponseStream.CopyToAsync(copy, cancellationToken);
            return copy.ToArray();
        }
        catch (AmazonS3Exception e) when (e.ErrorCode is "NoSuchKey" or "NotFound")
        {
            return null;
        }
    }

    /// <summary>Every key in <paramref name="bucket"/> (test assertion), fetched <paramref name="pageSize"/> at a time.</summary>
    public async Task<IReadOnlyList<string>> ListKeysAsync(string bucket, int pageSize = 1000, CancellationToken cancellationToken = default)
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = bucket, MaxKeys = pageSize };
        ListObjectsV2Response page;
        do
        {
            page = await _client.ListObjectsV2Async(request, cancellationToken);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        return keys;
    }

    /// <summary>Multipart uploads s3rver still keeps parts for (it has no ListMultipartUploads, so its data folder is read).</summary>
    public IReadOnlyList<string> PendingUploadIds(string bucket)
    {
        var folder = Path.Combine(DataDirectory, bucket, "._S3rver_uploads");
        var ids = Directory.Exists(folder) ? Directory.GetDirectories(folder).Select(Path.GetFileName).OfType<string>() : [];
        return [.. ids];
    }

    /// <summary>Stops s3rver and deletes its data.</summary>
    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        Stop(_process);
        TryDelete(DataDirectory);
        return ValueTask.CompletedTask;
    }

    private static void Stop(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            process.Dispose();
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; a failed test is not worth hiding behind it.
        }
    }

    [GeneratedRegex(@"S3rver listening on [^\s:]+:(\d+)")]
    private static partial Regex ListeningLine();
}
