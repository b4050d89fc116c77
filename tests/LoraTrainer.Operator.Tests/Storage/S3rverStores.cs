using LoraTrainer.Operator.Storage;
using LoraTrainer.Testing.S3;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Tests.Storage;

/// <summary>Operator stores pointed at a running s3rver.</summary>
internal static class S3rverStores
{
    /// <summary>The credential s3rver accepts.</summary>
    public static readonly S3Credentials Credentials = new(S3rverServer.AccessKeyId, S3rverServer.SecretAccessKey, "Secret test/s3");

    /// <summary>Options for s3rver as a user would write them: another S3-compatible store, WHEN_REQUIRED.</summary>
    public static S3Options Options(S3rverServer server, Action<S3Options>? configure = null)
    {
        var options = new S3Options
        {
            Provider = S3Provider.Other,
            ServiceUrl = server.ServiceUrl.ToString(),
            Region = S3rverServer.Region,
            ChecksumMode = S3ChecksumMode.WHEN_REQUIRED,
            PartSize = S3Limits.MinPartSize,
        };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>A factory over <paramref name="options"/>.</summary>
    public static S3ObjectStoreFactory Factory(S3Options options, TimeProvider? timeProvider = null) =>
        new(Microsoft.Extensions.Options.Options.Create(options), timeProvider ?? TimeProvider.System);
}
