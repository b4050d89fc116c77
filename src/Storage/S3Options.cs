using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Storage;

/// <summary>How the operator reaches the S3-compatible store holding datasets and trained LoRAs (section <c>S3</c>).</summary>
/// <remarks>
/// Fields left unset take the <see cref="Provider"/>'s defaults (see <see cref="S3ClientSettings"/>):
/// AWS uses virtual-hosted addressing and the SDK's flexible checksums; R2, MinIO, B2 and other stores use
/// path-style addressing and <see cref="S3ChecksumMode.WHEN_REQUIRED"/>, because several of them store
/// AWSSDK v4's aws-chunked request bodies verbatim instead of decoding them.
/// </remarks>
internal sealed class S3Options
{
    /// <summary>The configuration section bound to these options.</summary>
    public const string SectionName = "S3";

    /// <summary>Which store this is; decides the defaults of the other fields. Defaults to <see cref="S3Provider.Aws"/>.</summary>
    public S3Provider Provider { get; set; } = S3Provider.Aws;

    /// <summary>The endpoint, e.g. <c>https://ACCOUNT.r2.cloudflarestorage.com</c>. Required for every provider but AWS; unset on AWS.</summary>
    [Url]
    public string? ServiceUrl { get; set; }

    /// <summary>The signing region. Defaults to <c>auto</c> on R2 and <c>us-east-1</c> elsewhere; required on B2 (e.g. <c>us-west-004</c>).</summary>
    [RegularExpression("^[a-z0-9-]+$")]
    public string? Region { get; set; }

    /// <summary>Address buckets as <c>endpoint/bucket/key</c> rather than <c>bucket.endpoint/key</c>. Defaults to false on AWS, true elsewhere.</summary>
    public bool? ForcePathStyle { get; set; }

    /// <summary>When the SDK computes and validates flexible checksums. Defaults to WHEN_SUPPORTED on AWS, WHEN_REQUIRED elsewhere.</summary>
    public S3ChecksumMode? ChecksumMode { get; set; }

    /// <summary>Frame upload bodies as aws-chunked (signed streaming). Defaults to true only when <see cref="ChecksumMode"/> is WHEN_SUPPORTED.</summary>
    public bool? ChunkedEncoding { get; set; }

    /// <summary>Operator-wide access key id; a run's own Secret takes precedence. Unset means the SDK's default credential chain.</summary>
    public string? AccessKeyId { get; set; }

    /// <summary>Operator-wide secret access key, paired with <see cref="AccessKeyId"/>.</summary>
    public string? SecretAccessKey { get; set; }

    /// <summary>How long a presigned GET (the dataset zip) stays valid. Defaults to 2 hours.</summary>
    public TimeSpan PresignGetExpiry { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How long a presigned PUT (trained LoRA files) stays valid. Defaults to 24 hours.</summary>
    public TimeSpan PresignPutExpiry { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Objects per list page. Defaults to 1000, the S3 maximum.</summary>
    [Range(1, 1000)]
    public int ListPageSize { get; set; } = 1000;

    /// <summary>Size of each multipart upload part in bytes. Defaults to 8 MiB; S3 requires at least 5 MiB.</summary>
    [Range(S3Limits.MinPartSize, S3Limits.MaxPartSize)]
    public int PartSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>Parts uploaded at the same time; memory used by an upload is about (this + 1) × <see cref="PartSize"/>. Defaults to 2.</summary>
    [Range(1, 16)]
    public int MaxPartsInFlight { get; set; } = 2;
}

/// <summary>Which S3-compatible store the operator talks to.</summary>
internal enum S3Provider
{
    /// <summary>Amazon S3.</summary>
    Aws,
    /// <summary>Cloudflare R2.</summary>
    R2,
    /// <summary>MinIO.</summary>
    MinIO,
    /// <summary>Backblaze B2's S3-compatible API.</summary>
    B2,
    /// <summary>Any other S3-compatible store (Wasabi, Ceph, s3rver…).</summary>
    Other,
}

/// <summary>AWSSDK v4 flexible checksum behaviour, applied to both request calculation and response validation.</summary>
/// <remarks>Named as the SDK and the AWS config file spell them, so configuration reads the same everywhere.</remarks>
internal enum S3ChecksumMode
{
    /// <summary>Checksum every request that supports one (the SDK default; only stores that decode aws-chunked bodies).</summary>
    WHEN_SUPPORTED,
    /// <summary>Checksum only where an API requires it.</summary>
    WHEN_REQUIRED,
}

/// <summary>Hard limits of the S3 API.</summary>
internal static class S3Limits
{
    /// <summary>Smallest part of a multipart upload except the last: 5 MiB.</summary>
    public const int MinPartSize = 5 * 1024 * 1024;

    /// <summary>Largest part size this operator uses: 512 MiB (S3 allows 5 GiB; more only costs memory).</summary>
    public const int MaxPartSize = 512 * 1024 * 1024;

    /// <summary>Most parts in one multipart upload.</summary>
    public const int MaxParts = 10_000;

    /// <summary>Longest validity of a SigV4 presigned URL: 7 days.</summary>
    public static readonly TimeSpan MaxPresignExpiry = TimeSpan.FromDays(7);
}

/// <summary>Checks <see cref="S3Options"/> against its attributes with code generated at build time: the operator is published as Native AOT, where the reflection-based data-annotations validation cannot run.</summary>
[OptionsValidator]
internal sealed partial class S3OptionsAttributeValidator : IValidateOptions<S3Options>;
