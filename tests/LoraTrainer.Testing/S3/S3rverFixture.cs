using Xunit;

namespace LoraTrainer.Testing.S3;

/// <summary>
/// One s3rver per test class or collection, installed on first use; tests skip, saying why, only on a machine without
/// node or npm.
/// </summary>
/// <remarks>Each test should take its own bucket from <see cref="S3rverServer.NewBucketAsync"/>.</remarks>
public sealed class S3rverFixture : IAsyncLifetime
{
    private S3rverServer? _server;
    private string? _unavailable;

    /// <summary>The running server; skips the calling test when s3rver cannot run on this machine.</summary>
    public S3rverServer Server
    {
        get
        {
            if (_server is null)
            {
                Assert.Skip(_unavailable ?? "s3rver did not start.");
            }

            return _server;
        }
    }

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        _unavailable = await S3rverServer.EnsureInstalledAsync();
        if (_unavailable is null)
        {
            _server = await S3rverServer.StartAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
