using System.Security.Cryptography;
using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.Tests.Fakes;
using LoraTrainer.Agent.Uploads;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Agent.Tests.Uploads;

public sealed class PresignedUploaderTests : IAsyncLifetime
{
    private readonly TempFolder _work = new();
    private ObjectStoreDouble _store = null!;
    private ServiceProvider _services = null!;
    private string _file = null!;
    private byte[] _content = null!;

    public async ValueTask InitializeAsync()
    {
        _store = await ObjectStoreDouble.StartAsync();
        _services = AgentServices.Create(_work.Path);
        _content = RandomNumberGenerator.GetBytes(70_000);
        _file = _work.Combine("anna.safetensors");
        await File.WriteAllBytesAsync(_file, _content);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _store.DisposeAsync();
        _work.Dispose();
    }

    private Task<UploadedFile> UploadAsync() => _services.GetRequiredService<PresignedUploader>()
        .UploadAsync(_file, _store.UrlOf("loras/anna.safetensors"), "best epoch 2", TestContext.Current.CancellationToken);

    [Fact]
    public async Task UploadAsync_PutsTheBytesWithTheirLengthAndReturnsTheirHash()
    {
        var uploaded = await UploadAsync();

        Assert.Equal(_content, _store.Get("loras/anna.safetensors"));
        Assert.Equal(_content.Length, uploaded.Bytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(_content)), uploaded.Sha256);
        Assert.Equal([$"PUT loras/anna.safetensors length={_content.Length}"], _store.Requests);
    }

    [Fact]
    public async Task UploadAsync_RetriesServerErrors()
    {
        _store.Fail("loras/anna.safetensors", 503, 500);

        await UploadAsync();

        Assert.Equal(3, _store.Requests.Count);
        Assert.Equal(_content, _store.Get("loras/anna.safetensors"));
    }

    [Fact]
    public async Task UploadAsync_WhenTheUrlHasExpired_FailsWithoutRetryingOrShowingTheUrl()
    {
        _store.Fail("loras/anna.safetensors", 403);

        var failure = await Assert.ThrowsAsync<StageFailure>(UploadAsync);

        Assert.Equal(Stages.Upload, failure.Stage);
        Assert.Contains("HTTP 403", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Amz", failure.Message, StringComparison.Ordinal);
        Assert.Single(_store.Requests);
    }

    [Fact]
    public async Task UploadAsync_WhenTheStoreNeverAnswers_GivesUpOnThatPutAfterTheStallTimeoutAndRetries()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var services = AgentServices.Create(_work.Path, time: time);
        var stalled = _store.StallNext("loras/anna.safetensors");

        var upload = services.GetRequiredService<PresignedUploader>()
            .UploadAsync(_file, _store.UrlOf("loras/anna.safetensors"), "best epoch 2", TestContext.Current.CancellationToken);
        await stalled.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(1));
        await FakeClock.SettleAsync();

        Assert.False(upload.IsCompleted, "the upload must wait out the whole stall timeout");

        var uploaded = await time.AdvanceUntilAsync(upload, TimeSpan.FromSeconds(1));

        Assert.Equal(_content, _store.Get("loras/anna.safetensors"));
        Assert.Equal(_content.Length, uploaded.Bytes);
        Assert.Equal(2, _store.Requests.Count);
    }
}
