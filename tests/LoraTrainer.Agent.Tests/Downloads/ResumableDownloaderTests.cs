using System.Security.Cryptography;
using LoraTrainer.Agent.Downloads;
using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Agent.Tests.Downloads;

public sealed class ResumableDownloaderTests : IAsyncLifetime
{
    private readonly TempFolder _work = new();
    private readonly byte[] _model = RandomNumberGenerator.GetBytes(300_000);
    private ObjectStoreDouble _store = null!;
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync()
    {
        _store = await ObjectStoreDouble.StartAsync();
        _store.Put("models/base.safetensors", _model);
        _services = AgentServices.Create(_work.Path);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _store.DisposeAsync();
        _work.Dispose();
    }

    private DownloadRequest Request(string? sha256 = null, string? authorization = null) =>
        new("model checkpoint", Stages.Model, _store.UrlOf("models/base.safetensors"), authorization, _work.Combine("models", "base.safetensors"),
            _model.Length, sha256 ?? Convert.ToHexStringLower(SHA256.HashData(_model)));

    private Task<DownloadedFile> DownloadAsync(DownloadRequest request) =>
        _services.GetRequiredService<ResumableDownloader>().DownloadAsync(request, TestContext.Current.CancellationToken);

    [Fact]
    public async Task DownloadAsync_AfterAnInterruption_ResumesWithARangeRequest()
    {
        _store.CutFirstDownloadAfter("models/base.safetensors", 120_000);

        var file = await DownloadAsync(Request());

        Assert.Equal(_model, await File.ReadAllBytesAsync(file.Path, TestContext.Current.CancellationToken));
        Assert.Equal(_model.Length, file.Bytes);
        Assert.Equal(["GET models/base.safetensors range= auth=no", "GET models/base.safetensors range=bytes=120000- auth=no"], _store.Requests);
    }

    [Fact]
    public async Task DownloadAsync_WithAWrongSha256_RefusesTheFileAndKeepsNothing()
    {
        var wrong = new string('0', 64);

        var failure = await Assert.ThrowsAsync<StageFailure>(() => DownloadAsync(Request(sha256: wrong)));

        Assert.Equal(Stages.Model, failure.Stage);
        Assert.Contains("expected SHA-256", failure.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(_work.Combine("models")));
    }

    [Fact]
    public async Task DownloadAsync_SendsTheAuthorizationHeaderWhenGiven()
    {
        _store.RequireAuthorization("models/base.safetensors", "Bearer civitai-key-123456");

        var file = await DownloadAsync(Request(authorization: "Bearer civitai-key-123456"));

        Assert.Equal(_model.Length, file.Bytes);
    }

    [Fact]
    public async Task DownloadAsync_WhenRefused_FailsAtOnceWithoutTheUrl()
    {
        _store.RequireAuthorization("models/base.safetensors", "Bearer right");

        var failure = await Assert.ThrowsAsync<StageFailure>(() => DownloadAsync(Request(authorization: "Bearer wrong-key")));

        Assert.Contains("HTTP 401", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Amz", failure.Message, StringComparison.Ordinal);
        Assert.Single(_store.Requests);
    }

    [Fact]
    public async Task DownloadAsync_RetriesServerErrors()
    {
        _store.Fail("models/base.safetensors", 503, 500);

        var file = await DownloadAsync(Request());

        Assert.Equal(_model.Length, file.Bytes);
        Assert.Equal(3, _store.Requests.Count);
    }

    [Fact]
    public async Task DownloadAsync_WhenTheFileIsAlreadyThereAndVerified_DoesNotDownloadAgain()
    {
        await DownloadAsync(Request());

        await DownloadAsync(Request());

        Assert.Single(_store.Requests);
    }

    [Fact]
    public async Task DownloadAsync_WhenTheConnectionGoesSilent_DropsItAfterTheStallTimeoutAndResumes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var services = AgentServices.Create(_work.Path, time: time);
        var stalled = _store.StallNext("models/base.safetensors", afterBytes: 100_000);

        var download = services.GetRequiredService<ResumableDownloader>().DownloadAsync(Request(), TestContext.Current.CancellationToken);
        await stalled.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await FakeClock.SettleAsync();
        time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(1));
        await FakeClock.SettleAsync();

        Assert.False(download.IsCompleted, "the download must wait out the whole stall timeout");
        Assert.Single(_store.Requests);

        var file = await time.AdvanceUntilAsync(download, TimeSpan.FromSeconds(1));

        Assert.Equal(_model, await File.ReadAllBytesAsync(file.Path, TestContext.Current.CancellationToken));
        Assert.Equal(2, _store.Requests.Count);
        Assert.StartsWith("GET models/base.safetensors range=bytes=", _store.Requests[1], StringComparison.Ordinal);
    }
}
