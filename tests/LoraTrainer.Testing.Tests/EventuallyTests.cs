namespace LoraTrainer.Testing.Tests;

public sealed class EventuallyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UntilAsync_WhenAnotherTaskMakesTheConditionTrue_Returns()
    {
        var count = 0;
        using var counting = new Timer(_ => Interlocked.Increment(ref count), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(5));

        var seen = await Eventually.UntilAsync(() => Volatile.Read(ref count), c => c >= 3, TimeSpan.FromSeconds(10), "three ticks", cancellationToken: Ct);

        Assert.True(seen >= 3);
    }

    [Fact]
    public async Task UntilAsync_WhenTheConditionNeverHolds_SaysWhatWasAwaitedAndTheLastValue()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            Eventually.UntilAsync(() => 41, c => c == 42, TimeSpan.FromMilliseconds(50), "the answer", cancellationToken: Ct));

        Assert.Equal("Timed out after 0.05 s waiting for the answer; last seen: 41", error.Message);
    }

    [Fact]
    public async Task UntilAsync_WhenAConditionTimesOut_ReportsWhatTheCallerSaysWasSeen()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            Eventually.UntilAsync(() => false, TimeSpan.FromMilliseconds(50), "a ready agent", seen: () => "gpuReady, imagesDownloaded", cancellationToken: Ct));

        Assert.Equal("Timed out after 0.05 s waiting for a ready agent; last seen: gpuReady, imagesDownloaded", error.Message);
    }

    [Fact]
    public async Task UntilAsync_WithAnObservationThatTakesARequest_ReturnsTheFirstValueThatSatisfiesIt()
    {
        var reads = 0;

        var value = await Eventually.UntilAsync(async token =>
        {
            await Task.Yield();
            return ++reads;
        }, r => r == 3, TimeSpan.FromSeconds(10), "the third read", cancellationToken: Ct);

        Assert.Equal(3, value);
    }
}
