using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Storage;

/// <summary>Creates S3 stores, keeping one SDK client (and its connection pool) per credential.</summary>
/// <remarks>Clients are keyed by key id and a hash of the secret, so a rotated secret gets a fresh client.</remarks>
internal sealed class S3ObjectStoreFactory(IOptions<S3Options> options, TimeProvider timeProvider) : IObjectStoreFactory, IDisposable
{
    private const string DefaultCredentialName = "the AWS SDK's default credential chain";
    private readonly ConcurrentDictionary<string, Lazy<AmazonS3Client>> _clients = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public S3ClientSettings Settings { get; } = S3ClientSettings.From(options.Value);

    /// <inheritdoc />
    public IObjectStore Create(S3Credentials? credentials = null)
    {
        var configured = options.Value;
        credentials ??= string.IsNullOrEmpty(configured.AccessKeyId) || string.IsNullOrEmpty(configured.SecretAccessKey)
            ? null
            : new S3Credentials(configured.AccessKeyId, configured.SecretAccessKey, "configuration S3:AccessKeyId");
        var client = _clients.GetOrAdd(CacheKey(credentials), _ => new Lazy<AmazonS3Client>(() => NewClient(credentials))).Value;
        return new S3ObjectStore(client, Settings, configured, credentials?.ToString() ?? DefaultCredentialName, timeProvider);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var client in _clients.Values.Where(c => c.IsValueCreated))
        {
            client.Value.Dispose();
        }

        _clients.Clear();
    }

    private AmazonS3Client NewClient(S3Credentials? credentials) =>
        credentials is null
            ? new AmazonS3Client(Settings.ToSdkConfig())
            : new AmazonS3Client(new BasicAWSCredentials(credentials.AccessKeyId, credentials.SecretAccessKey), Settings.ToSdkConfig());

    private static string CacheKey(S3Credentials? credentials) =>
        credentials is null
            ? ""
            : credentials.AccessKeyId + ":" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(credentials.SecretAccessKey)));
}
