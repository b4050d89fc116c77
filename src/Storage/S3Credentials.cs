namespace LoraTrainer.Storage;

/// <summary>An access key pair, already read from configuration or from a run's Secret by the caller.</summary>
/// <param name="AccessKeyId">The key id; safe to show in messages.</param>
/// <param name="SecretAccessKey">The secret; never shown, logged or compared outside the SDK.</param>
/// <param name="Source">Where the pair came from, for messages, e.g. <c>Secret ml-team/s3</c>.</param>
internal sealed record S3Credentials(string AccessKeyId, string SecretAccessKey, string Source)
{
    /// <summary>Names the credential without its secret, so the record is safe in logs and exceptions.</summary>
    public override string ToString() => $"{AccessKeyId} ({Source})";
}
