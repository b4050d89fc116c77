using System.Net;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using LoraTrainer.CommandLine;

namespace LoraTrainer.Cli.Storage;

/// <summary>
/// The user's S3 store, with credentials from the AWS SDK's standard chain (environment, profile, SSO…) and the endpoint
/// from <c>--s3-endpoint</c> or <c>AWS_ENDPOINT_URL</c>. A refusal the user can act on (no credentials, no bucket, access
/// denied, unreachable) becomes a <see cref="StartupFailure"/>; no message carries a secret or a signed URL.
/// </summary>
internal sealed class ObjectStore(IAmazonS3 s3, string endpoint) : IDisposable
{
    /// <summary>The user metadata key holding a file's SHA-256, so an upload is skipped when the same bytes are already there.</summary>
    public const string Sha256Metadata = "sha256";

    public static ObjectStore Connect(string? endpointFlag)
    {
        var endpoint = FirstSet(endpointFlag, Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_S3"), Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL"));
        var region = FirstSet(Environment.GetEnvironmentVariable("AWS_REGION"), Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION"));
        var config = new AmazonS3Config
        {
            // S3-compatible stores (MinIO, s3rver, several others) store aws-chunked framing raw: checksum only when required.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint;
            config.ForcePathStyle = true;
            config.AuthenticationRegion = region ?? "us-east-1";
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region ?? "us-east-1");
        }

        return new ObjectStore(new AmazonS3Client(config), endpoint ?? "AWS S3");
    }

    /// <summary>The SHA-256 recorded with the object, or null when it has none or there is no object.</summary>
    public Task<string?> StoredSha256Async(string bucket, string key, CancellationToken cancellationToken) => Call(bucket, async () =>
    {
        try
        {
            var head = await s3.GetObjectMetadataAsync(bucket, key, cancellationToken);
            return head.Metadata[Sha256Metadata];
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is not "NoSuchBucket")
        {
            return null;
        }
    });

    /// <summary>Uploads a file in one PUT with its SHA-256 in the metadata.</summary>
    public Task PutFileAsync(string bucket, string key, string path, string sha256, CancellationToken cancellationToken) => Call(bucket, async () =>
    {
        // Plain signed payloads: S3-compatible stores such as s3rver store SigV4 streaming chunks as they come, framing and all.
        var request = new PutObjectRequest { BucketName = bucket, Key = key, FilePath = path, UseChunkEncoding = false };
        request.Metadata.Add(Sha256Metadata, sha256);
        await s3.PutObjectAsync(request, cancellationToken);
        return true;
    });

    /// <summary>Every object under <paramref name="prefix"/>, page by page, as key and size.</summary>
    public async IAsyncEnumerable<(string Key, long Size)> ListAsync(string bucket, string prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? token = null;
        do
        {
            var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = token };
            var page = await Call(bucket, () => s3.ListObjectsV2Async(request, cancellationToken));
            foreach (var item in page.S3Objects ?? [])
            {
                yield return (item.Key, item.Size ?? 0);
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }

    /// <summary>The object's user metadata (keys without the <c>x-amz-meta-</c> prefix), or null when there is no object.</summary>
    public Task<IReadOnlyDictionary<string, string>?> MetadataAsync(string bucket, string key, CancellationToken cancellationToken) => Call(bucket, async () =>
    {
        try
        {
            var head = await s3.GetObjectMetadataAsync(bucket, key, cancellationToken);
            const string Prefix = "x-amz-meta-";
            return (IReadOnlyDictionary<string, string>?)head.Metadata.Keys.ToDictionary(
                k => k.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? k[Prefix.Length..] : k, k => head.Metadata[k], StringComparer.OrdinalIgnoreCase);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is not "NoSuchBucket")
        {
            return null;
        }
    });

    /// <summary>Checks the bucket exists and the credentials may use it, before anything is written.</summary>
    public Task CheckBucketAsync(string bucket, CancellationToken cancellationToken) => Call(bucket, async () =>
    {
        await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, MaxKeys = 1 }, cancellationToken);
        return true;
    });

    /// <summary>Downloads an object to <paramref name="path"/> (written beside it, then moved) and returns its SHA-256.</summary>
    public Task<string> DownloadAsync(string bucket, string key, string path, CancellationToken cancellationToken) => Call(bucket, async () =>
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var partial = path + ".part";
        using var response = await s3.GetObjectAsync(bucket, key, cancellationToken);
        await using (var file = File.Create(partial))
        await using (var body = response.ResponseStream)
        {
            await body.CopyToAsync(file, cancellationToken);
        }

        await using var written = File.OpenRead(partial);
        var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(written, cancellationToken));
        written.Close();
        File.Move(partial, path, overwrite: true);
        return sha256;
    });

    private async Task<T> Call<T>(string bucket, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonS3Exception e) when (e.ErrorCode == "NoSuchBucket")
        {
            throw new StartupFailure($"the bucket {bucket} does not exist at {endpoint}: create it, or name another with --bucket.", e);
        }
        catch (AmazonS3Exception e) when (e.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized)
        {
            throw new StartupFailure($"{endpoint} refused the S3 credentials for bucket {bucket} ({e.ErrorCode}): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or ask for access to the bucket.", e);
        }
        catch (AmazonClientException e) when (e.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase))
        {
            throw new StartupFailure("no S3 credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, as for the aws CLI.", e);
        }
        catch (HttpRequestException e)
        {
            throw new StartupFailure($"cannot reach the S3 store at {endpoint} ({e.Message.TrimEnd('.')}): check --s3-endpoint or AWS_ENDPOINT_URL.", e);
        }
    }

    private static string? FirstSet(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    public void Dispose() => s3.Dispose();
}
