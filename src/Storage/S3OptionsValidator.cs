using Microsoft.Extensions.Options;

namespace LoraTrainer.Storage;

/// <summary>Cross-field rules for <see cref="S3Options"/>; each message names the configuration key to fix.</summary>
internal sealed class S3OptionsValidator : IValidateOptions<S3Options>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, S3Options options)
    {
        var failures = new List<string>();
        if (options.Provider != S3Provider.Aws && string.IsNullOrWhiteSpace(options.ServiceUrl))
        {
            failures.Add($"S3:ServiceUrl is required when S3:Provider is {options.Provider} (the store's endpoint, e.g. https://host:9000).");
        }

        if (!string.IsNullOrWhiteSpace(options.ServiceUrl)
            && (!Uri.TryCreate(options.ServiceUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            failures.Add("S3:ServiceUrl must be an absolute http or https URL.");
        }

        if (options.Provider == S3Provider.B2 && string.IsNullOrWhiteSpace(options.Region))
        {
            failures.Add("S3:Region is required for B2: use the region in your endpoint, e.g. us-west-004.");
        }

        if (string.IsNullOrEmpty(options.AccessKeyId) != string.IsNullOrEmpty(options.SecretAccessKey))
        {
            failures.Add("S3:AccessKeyId and S3:SecretAccessKey must be set together (or both left unset for the default credential chain).");
        }

        CheckExpiry(failures, "S3:PresignGetExpiry", options.PresignGetExpiry);
        CheckExpiry(failures, "S3:PresignPutExpiry", options.PresignPutExpiry);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckExpiry(List<string> failures, string key, TimeSpan expiry)
    {
        if (expiry < TimeSpan.FromMinutes(1) || expiry > S3Limits.MaxPresignExpiry)
        {
            failures.Add($"{key} must be between 00:01:00 and 7.00:00:00 (presigned URLs live at most 7 days); it is {expiry}.");
        }
    }
}
