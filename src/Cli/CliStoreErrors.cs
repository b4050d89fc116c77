using LoraTrainer.Storage;

namespace LoraTrainer.Cli;

/// <summary>A store's refusal as one line that names what a user of the AWS CLI would set to fix it.</summary>
internal static class CliStoreErrors
{
    /// <summary>The line for <paramref name="failure"/>; its own message when nothing more specific applies (it carries no secret).</summary>
    public static string Describe(ObjectStoreException failure)
    {
        var bucket = failure.Target?.Bucket;
        var endpoint = failure.Endpoint ?? "the S3 store";
        return failure switch
        {
            { Kind: ObjectStoreErrorKind.NoCredentials } =>
                "no S3 credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, as for the aws CLI.",
            { Kind: ObjectStoreErrorKind.NoSuchBucket } =>
                $"the bucket {bucket} does not exist at {endpoint}: create it, or name another with --bucket.",
            { Kind: ObjectStoreErrorKind.AccessDenied or ObjectStoreErrorKind.InvalidCredentials } =>
                $"{endpoint} refused the S3 credentials for bucket {bucket} ({failure.ErrorCode ?? "AccessDenied"}): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or ask for access to the bucket.",
            { Kind: ObjectStoreErrorKind.Transient, InnerException: HttpRequestException unreachable } =>
                $"cannot reach the S3 store at {endpoint} ({unreachable.Message.TrimEnd('.')}): check --s3-endpoint or AWS_ENDPOINT_URL.",
            _ => failure.Message,
        };
    }
}
