using LoraTrainer.Operator.Vast;
using LoraTrainer.Operator.Vast.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Operator.Tests.Vast;

public sealed class VastPacerTests
{
    private readonly FakeTimeProvider _clock = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private VastPacer Pacer(VastPacingOptions? pacing = null) =>
        new(_clock, new StaticOptionsMonitor(new VastOptions { ClusterName = "test", Pacing = pacing ?? new VastPacingOptions() }));

    [Fact]
    public async Task Enter_ForTheNextCreate_WaitsUntilTheSpacingAfterThePreviousAnswer()
    {
        var pacer = Pacer();
        var first = await pacer.EnterAsync(VastEndpoint.Create, Ct);

        var second = pacer.EnterAsync(VastEndpoint.Create, Ct).AsTask();
        _clock.Advance(TimeSpan.FromSeconds(10)); // the first request takes 10 s to answer
        first.Dispose();
        _clock.Advance(TimeSpan.FromSeconds(4.7));
        var early = second.IsCompleted;
        _clock.Advance(TimeSpan.FromSeconds(0.05));
        (await second).Dispose();

        Assert.False(early);
    }

    [Fact]
    public async Task Enter_ForThreeQueuedCalls_LetsThemThroughOneAtATimeInOrder()
    {
        var pacer = Pacer();
        var order = new List<int>();
        var calls = Enumerable.Range(1, 3).Select(async n =>
        {
            using (await pacer.EnterAsync(VastEndpoint.Destroy, Ct))
            {
                order.Add(n);
            }
        }).ToList();

        for (var step = 0; step < 3; step++)
        {
            _clock.Advance(TimeSpan.FromSeconds(3.25));
        }

        await Task.WhenAll(calls);
        Assert.Equal([1, 2, 3], order);
    }

    [Fact]
    public async Task Enter_ForDifferentEndpoints_DoesNotMakeThemWaitForEachOther()
    {
        var pacer = Pacer();
        using var create = await pacer.EnterAsync(VastEndpoint.Create, Ct);

        var destroy = pacer.EnterAsync(VastEndpoint.Destroy, Ct);
        var show = pacer.EnterAsync(VastEndpoint.Show, Ct);

        Assert.True(destroy.IsCompleted && show.IsCompleted);
    }

    [Fact]
    public async Task Enter_AfterTheSpacingPassed_DoesNotWait()
    {
        var pacer = Pacer();
        (await pacer.EnterAsync(VastEndpoint.Show, Ct)).Dispose();
        _clock.Advance(TimeSpan.FromSeconds(2.25));

        Assert.True(pacer.EnterAsync(VastEndpoint.Show, Ct).IsCompleted);
    }

    [Fact]
    public async Task Enter_WithZeroSpacing_NeverWaitsNorQueues()
    {
        var pacer = Pacer(new VastPacingOptions { List = TimeSpan.Zero });
        using var held = await pacer.EnterAsync(VastEndpoint.List, Ct);

        var calls = Enumerable.Range(0, 5).Select(_ => pacer.EnterAsync(VastEndpoint.List, Ct)).ToList();

        Assert.All(calls, call => Assert.True(call.IsCompleted));
    }

    [Fact]
    public async Task Enter_WhenCancelledWhileWaiting_FreesTheTurnForOthers()
    {
        var pacer = Pacer();
        (await pacer.EnterAsync(VastEndpoint.Show, Ct)).Dispose();
        using var cancel = new CancellationTokenSource();

        var cancelled = pacer.EnterAsync(VastEndpoint.Show, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        _clock.Advance(TimeSpan.FromSeconds(2.25));

        Assert.True(pacer.EnterAsync(VastEndpoint.Show, Ct).IsCompleted);
    }

    private sealed class StaticOptionsMonitor(VastOptions value) : IOptionsMonitor<VastOptions>
    {
        public VastOptions CurrentValue => value;

        public VastOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<VastOptions, string?> listener) => null;
    }
}
