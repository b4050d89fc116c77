using Microsoft.Extensions.Options;

namespace LoraTrainer.Storage;

/// <summary>
/// Stores reached the way the AWS CLI reaches them, for tools a user runs (<c>kubectl lora</c>): credentials from the AWS
/// SDK's standard chain (environment, profile, SSO, instance role), the endpoint given or from <c>AWS_ENDPOINT_URL_S3</c>
/// or <c>AWS_ENDPOINT_URL</c>, the region from <c>AWS_REGION</c> or <c>AWS_DEFAULT_REGION</c>.
/// </summary>
/// <remarks>
/// An endpoint means an S3-compatible store, addressed path-style. Checksums are sent only where required, on AWS too:
/// several such stores keep aws-chunked framing as the object's bytes, and a user's tool cannot tell which store it
/// talks to.
/// </remarks>
internal static class AwsEnvironment
{
    /// <summary>A factory whose <see cref="IObjectStoreFactory.Create"/> with no credential signs with the standard chain.</summary>
    /// <param name="endpoint">The endpoint the user named; null for the environment's, else AWS S3.</param>
    public static S3ObjectStoreFactory Factory(string? endpoint) =>
        new(Microsoft.Extensions.Options.Options.Create(Options(endpoint, Environment.GetEnvironmentVariable)), TimeProvider.System);

    /// <summary>The options <see cref="Factory"/> uses, reading the environment through <paramref name="variable"/>.</summary>
    public static S3Options Options(string? endpoint, Func<string, string?> variable)
    {
        var serviceUrl = FirstSet(endpoint, variable("AWS_ENDPOINT_URL_S3"), variable("AWS_ENDPOINT_URL"));
        return new S3Options
        {
            Provider = serviceUrl is null ? S3Provider.Aws : S3Provider.Other,
            ServiceUrl = serviceUrl,
            Region = FirstSet(variable("AWS_REGION"), variable("AWS_DEFAULT_REGION")),
            ChecksumMode = S3ChecksumMode.WHEN_REQUIRED,
        };
    }

    private static string? FirstSet(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
