using Amazon.Runtime;
using Amazon.S3;

namespace LoraTrainer.Storage;

/// <summary>The effective client settings: <see cref="S3Options"/> with the provider's defaults filled in.</summary>
/// <remarks>
/// | provider | path style | checksum mode | region |
/// |---|---|---|---|
/// | Aws | false | WHEN_SUPPORTED | us-east-1 |
/// | R2 | true | WHEN_REQUIRED | auto |
/// | MinIO, B2, Other | true | WHEN_REQUIRED | us-east-1 (B2: required) |
/// aws-chunked framing follows the checksum mode unless set: a store that cannot take trailing checksums
/// cannot take signed streaming bodies either, and both would be stored as raw chunks.
/// </remarks>
internal sealed record S3ClientSettings(
    S3Provider Provider,
    Uri? ServiceUrl,
    string Region,
    bool ForcePathStyle,
    S3ChecksumMode ChecksumMode,
    bool ChunkedEncoding)
{
    /// <summary>Fills in the provider defaults for every field the options leave unset.</summary>
    public static S3ClientSettings From(S3Options options)
    {
        var isAws = options.Provider == S3Provider.Aws;
        var checksum = options.ChecksumMode ?? (isAws ? S3ChecksumMode.WHEN_SUPPORTED : S3ChecksumMode.WHEN_REQUIRED);
        var region = string.IsNullOrWhiteSpace(options.Region)
            ? options.Provider == S3Provider.R2 ? "auto" : "us-east-1"
            : options.Region;
        return new S3ClientSettings(
            options.Provider,
            string.IsNullOrWhiteSpace(options.ServiceUrl) ? null : new Uri(options.ServiceUrl),
            region,
            options.ForcePathStyle ?? !isAws,
            checksum,
            options.ChunkedEncoding ?? checksum == S3ChecksumMode.WHEN_SUPPORTED);
    }

    /// <summary>Whether presigned URLs use plain HTTP (a loopback or in-cluster store without TLS).</summary>
    public bool IsPlainHttp => ServiceUrl is { Scheme: "http" };

    /// <summary>Where the store is, for messages: the service URL, or the AWS region.</summary>
    public string Endpoint => ServiceUrl?.GetLeftPart(UriPartial.Authority) ?? $"AWS S3 ({Region})";

    /// <summary>Builds the SDK configuration.</summary>
    public AmazonS3Config ToSdkConfig()
    {
        var config = new AmazonS3Config
        {
            ForcePathStyle = ForcePathStyle,
            RequestChecksumCalculation = ChecksumMode == S3ChecksumMode.WHEN_REQUIRED
                ? RequestChecksumCalculation.WHEN_REQUIRED
                : RequestChecksumCalculation.WHEN_SUPPORTED,
            ResponseChecksumValidation = ChecksumMode == S3ChecksumMode.WHEN_REQUIRED
                ? ResponseChecksumValidation.WHEN_REQUIRED
                : ResponseChecksumValidation.WHEN_SUPPORTED,
        };
        if (ServiceUrl is null)
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(Region);
        }
        else
        {
            config.ServiceURL = ServiceUrl.ToString();
            config.AuthenticationRegion = Region;
        }

        return config;
    }
}
