using LoraTrainer.Operator.Vast;
using LoraTrainer.Operator.Vast.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace LoraTrainer.Operator.Tests.Vast;

public sealed class VastPacerTests
{
    private readonly FakeTimeProvider _clock = new();

    private VastPacer Pacer(VastPacingOptions? pacing = null) =>
        new(_clock, new StaticOptionsMonitor(new VastOptions { ClusterName = "test", Pacing = pacing ?? new VastPacingOptions() }));

    [Fact]
    public async Task WaitTurn_ForThreeCreates_SpacesThemByTheCreateThreshold()
    {
        var pacer = Pacer();
        var ct = TestContext.Current.CancellationToken;

        var first = pacer.WaitTurnAsync(VastEndpoint.Create, ct).AsTask();
        var second = pacer.WaitTurnAsync(VastEndpoint.Create, ct).AsTask();
        var third = pacer.WaitTurnAsync(VastEndpoint.Create, ct).AsTask();
        _clock.Advance(TimeSpan.FromSeconds(4.4));
        var secondEarly = second.IsCompleted;
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        var secondOnTime = second.IsCompleted;
        var thirdEarly = third.IsCompleted;
        _clock.Advance(TimeSpan.FromSeconds(4.5));
        await third;

        Assert.True(first.IsCompleted);
        Assert.Equal((false, true, false), (secondEarly, secondOnTime, thirdEarly));
    }

    [Fact]
    public async Task WaitTurn_ForDifferentEndpoints_DoesNotMakeThemWaitForEachOther()
    {
        var pacer = Pacer();
        var ct = TestContext.Current.CancellationToken;

        await pacer.WaitTurnAsync(VastEndpoint.Create, ct);
        var destroy = pacer.WaitTurnAsync(VastEndpoint.Destroy, ct);
        var show = pacer.WaitTurnAsync(VastEndpoint.Show, ct);

        Assert.True(destroy.IsCompleted && show.IsCompleted);
    }

    [Fact]
    public async Task WaitTurn_AfterTheIntervalPassed_DoesNotWait()
    {
        var pacer = Pacer();
        var ct = TestContext.Current.CancellationToken;

        await pacer.WaitTurnAsync(VastEndpoint.Show, ct);
        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.True(pacer.WaitTurnAsync(VastEndpoint.Show, ct).IsCompleted);
    }

    [Fact]
    public void WaitTurn_WithZeroSpacing_NeverWaits()
    {
        var pacer = Pacer(new VastPacingOptions { List = TimeSpan.Zero });

        var calls = Enumerable.Range(0, 5).Select(_ => pacer.WaitTurnAsync(VastEndpoint.List, TestContext.Current.CancellationToken)).ToList();

        Assert.All(calls, call => Assert.True(call.IsCompleted));
    }

    private sealed class StaticOptionsMonitor(VastOptions value) : IOptionsMonitor<VastOptions>
    {
        public VastOptions CurrentValue => value;

        public VastOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<VastOptions, string?> listener) => null;
    }
}
