using LoraTrainer.Testing.S3;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Testing.Tests.S3;

public sealed class CrossProcessLockTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"lock-test-{Guid.NewGuid():N}.lock");
    private readonly FakeTimeProvider _time = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AcquireAsync_WhileAnotherHolderHasTheLock_WaitsUntilItIsReleased()
    {
        var holder = await CrossProcessLock.AcquireAsync(_path, TimeSpan.FromMinutes(1), _time, Ct);

        var waiter = CrossProcessLock.AcquireAsync(_path, TimeSpan.FromMinutes(1), _time, Ct);
        _time.Advance(CrossProcessLock.PollInterval * 3);
        Assert.False(waiter.IsCompleted);

        holder.Dispose();
        await AdvanceUntilDoneAsync(waiter);
        using var next = await waiter;
    }

    [Fact]
    public async Task AcquireAsync_WhenTheHolderKeepsItPastTheTimeout_ThrowsNamingTheFile()
    {
        using var holder = await CrossProcessLock.AcquireAsync(_path, TimeSpan.FromMinutes(1), _time, Ct);

        var waiter = CrossProcessLock.AcquireAsync(_path, TimeSpan.FromSeconds(2), _time, Ct);
        await AdvanceUntilDoneAsync(waiter);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => waiter);
        Assert.Contains(_path, error.Message);
    }

    public void Dispose() => File.Delete(_path);

    /// <summary>Moves the fake clock a poll at a time, letting the waiter run in between, until it is done (or 200 polls).</summary>
    private async Task AdvanceUntilDoneAsync(Task waiter)
    {
        for (var i = 0; i < 200 && !waiter.IsCompleted; i++)
        {
            _time.Advance(CrossProcessLock.PollInterval);
            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System, Ct);
        }

        Assert.True(waiter.IsCompleted, "the waiter neither took the lock nor gave up");
    }
}
