using Xunit;

namespace LoraTrainer.Testing.S3;

/// <summary>One s3rver per test class or collection; tests skip with a clear message when npm packages are not installed.</summary>
/// <remarks>Each test should take its own bucket from <see cref="S3rverServer.NewBucketAsync"/>.</remarks>
public sealed class S3rverFixture : IAsyncLifetime
{
    private S3rverServer? _server;

    /// <summary>The running server; skips the calling test when s3rver is not installed.</summary>
    public S3rverServer Server
    {
        get
        {
            Assert.SkipWhen(_server is null, S3rverServer.NotInstalledMessage);
            return _server!;
        }
    }

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        if (S3rverServer.FindExecutable() is not null)
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
