using System.Net;
using Amazon.Runtime;
using Amazon.S3;

namespace LoraTrainer.Storage;

/// <summary>Turns SDK exceptions into <see cref="ObjectStoreException"/>s that say what to fix.</summary>
/// <remarks>
/// HEAD answers carry no error body, so a 403 there has no code: any 403 that is not a credential error reads
/// as access denied. The secret never reaches a message; the credential is named by key id and source.
/// </remarks>
internal static class S3ErrorTranslator
{
    /// <summary>Describes <paramref name="error"/> for a user.</summary>
    /// <param name="error">What the SDK threw.</param>
    /// <param name="operation">The store operation, e.g. <c>list</c>.</param>
    /// <param name="target">The bucket and key (or prefix) involved.</param>
    /// <param name="credential">The credential, named without its secret.</param>
    /// <param name="endpoint">Where the store is.</param>
    /// <param name="sendsChecksums">Whether requests carry AWSSDK v4's flexible checksums (<c>S3:ChecksumMode</c> WHEN_SUPPORTED).</param>
    public static ObjectStoreException Translate(Exception error, string operation, S3Uri target, string credential, string endpoint, bool sendsChecksums = false)
    {
        if (error is ObjectStoreException known)
        {
            return known;
        }

        var (kind, message) = Describe(error, operation, target, credential, endpoint, sendsChecksums);
        return new ObjectStoreException(kind, message, error) { Target = target, Endpoint = endpoint, ErrorCode = (error as AmazonS3Exception)?.ErrorCode };
    }

    private static (ObjectStoreErrorKind Kind, string Message) Describe(Exception error, string operation, S3Uri target, string credential, string endpoint, bool sendsChecksums)
    {
        if (error is not AmazonS3Exception s3)
        {
            return error switch
            {
                // The SDK's credential chain found nothing to sign with: no keys in the environment, no profile, no role.
                AmazonClientException when error.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase) => (ObjectStoreErrorKind.NoCredentials,
                    $"no S3 credentials for {endpoint}: {credential} found none."),
                AmazonClientException or HttpRequestException or IOException or TimeoutException => (ObjectStoreErrorKind.Transient,
                    $"S3 {operation} of {target} at {endpoint} failed: {error.GetType().Name}; will retry."),
                _ => (ObjectStoreErrorKind.Failed, $"S3 {operation} of {target} at {endpoint} failed: {error.GetType().Name}."),
            };
        }

        var code = s3.ErrorCode ?? "";
        return code switch
        {
            "InvalidAccessKeyId" => (ObjectStoreErrorKind.InvalidCredentials,
                $"{endpoint} does not know the access key id of credential {credential}: check accessKeyId."),
            "SignatureDoesNotMatch" => (ObjectStoreErrorKind.InvalidCredentials,
                $"the secret access key of credential {credential} does not match its key id at {endpoint}: check secretAccessKey."),
            "NoSuchBucket" => (ObjectStoreErrorKind.NoSuchBucket,
                $"bucket '{target.Bucket}' does not exist at {endpoint}: create it or fix the bucket name."),
            "NoSuchKey" or "NotFound" => (ObjectStoreErrorKind.NotFound, $"{target} does not exist."),
            "NoSuchUpload" => (ObjectStoreErrorKind.NotFound, $"the multipart upload to {target} no longer exists."),
            _ when s3.StatusCode == HttpStatusCode.Forbidden => (ObjectStoreErrorKind.AccessDenied,
                $"access denied: credential {credential} may not {operation} in bucket '{target.Bucket}' ({target}): grant it s3:ListBucket, s3:GetObject and s3:PutObject there."),
            _ when s3.StatusCode == HttpStatusCode.NotFound => (ObjectStoreErrorKind.NotFound, $"{target} does not exist."),
            // Stores that cannot decode aws-chunked bodies with trailing checksums refuse uploads with a 400 or a 501.
            _ when sendsChecksums && operation == "write" && s3.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotImplemented
                => (ObjectStoreErrorKind.Failed,
                    $"S3 {operation} of {target} at {endpoint} was refused: {(int)s3.StatusCode} {code}; if this store does not support AWSSDK's flexible checksums, set S3:ChecksumMode to WHEN_REQUIRED."),
            _ when (int)s3.StatusCode >= 500 || s3.StatusCode == HttpStatusCode.TooManyRequests || code is "SlowDown" or "RequestTimeout"
                => (ObjectStoreErrorKind.Transient,
                    $"S3 {operation} of {target} at {endpoint} failed with {(int)s3.StatusCode} {code}; will retry."),
            _ => (ObjectStoreErrorKind.Failed,
                $"S3 {operation} of {target} at {endpoint} was refused: {(int)s3.StatusCode} {code}."),
        };
    }
}
