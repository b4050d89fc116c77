using LoraTrainer.Cluster;
using LoraTrainer.Operator.Runtime;

namespace LoraTrainer.Operator.Tests.Runtime;

/// <summary>The writer's memory of its own writes, which keeps a reconcile from acting on a cache that has not caught up.</summary>
public sealed class ResourceWriterTests : IAsyncLifetime
{
    private static readonly ResourceKey Key = new("default", "w");
    private RuntimeHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await RuntimeHarness.StartAsync();

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task Latest_WhenTheCacheStillHoldsAVersionThatWasWrittenOver_ReturnsTheWrittenObject()
    {
        var (writer, original, first) = await WrittenOnceAsync("stalled");
        var second = await writer.PatchStatusAsync(first, new WidgetStatus { Observed = 1, Message = "released" }, TestContext.Current.CancellationToken);

        Assert.Equal("released", writer.Latest(Key, original)?.Status?.Message);
        Assert.Same(second, writer.Latest(Key, first));
    }

    [Fact]
    public async Task Latest_OnceTheCacheShowsTheWrittenVersion_ReturnsTheCacheFromThenOn()
    {
        var (writer, original, _) = await WrittenOnceAsync("written");
        var caughtUp = (await _h.Widgets.GetAsync(Key, TestContext.Current.CancellationToken))!;

        Assert.Same(caughtUp, writer.Latest(Key, caughtUp));
        Assert.Same(original, writer.Latest(Key, original));
    }

    [Fact]
    public async Task Latest_WhenSomeoneElseWroteSince_ReturnsTheirVersionFromTheCache()
    {
        var (writer, _, _) = await WrittenOnceAsync("ours");
        _h.Seed(Widget.Named("w", size: 5));
        var theirs = (await _h.Widgets.GetAsync(Key, TestContext.Current.CancellationToken))!;

        Assert.Same(theirs, writer.Latest(Key, theirs));
    }

    [Fact]
    public async Task Latest_AfterAConflict_TrustsTheCacheAgain()
    {
        var (writer, original, _) = await WrittenOnceAsync("ours");

        await Assert.ThrowsAsync<ResourceConflictException>(() => writer.PatchStatusAsync(original, new WidgetStatus { Observed = 2 }, TestContext.Current.CancellationToken));

        Assert.Same(original, writer.Latest(Key, original));
    }

    [Fact]
    public async Task Latest_WhenTheObjectIsGone_ReturnsNothing()
    {
        var (writer, _, _) = await WrittenOnceAsync("ours");

        Assert.Null(writer.Latest(Key, null));
    }

    [Fact]
    public async Task PatchStatus_WritesTimestampsAtSecondPrecision_SoARewriteWithinTheSameSecondIsNoChange()
    {
        _h.Seed(Widget.Named("w"));
        var widget = (await _h.Widgets.GetAsync(Key, TestContext.Current.CancellationToken))!;
        var writer = new ResourceWriter<Widget, WidgetStatus>(_h.Widgets);
        var at = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero);

        var written = await writer.PatchStatusAsync(widget, new WidgetStatus { Observed = 1, Since = at.AddMilliseconds(123) }, TestContext.Current.CancellationToken);
        _h.Kube.ClearRequestLog();
        var again = await writer.PatchStatusAsync(written, new WidgetStatus { Observed = 1, Since = at.AddMilliseconds(987) }, TestContext.Current.CancellationToken);

        var stored = _h.Kube.Get("test.loratrainer.io/v1", "Widget", "default", "w")!;
        Assert.Equal("2025-03-04T05:06:07Z", stored["status"]!["since"]!.GetValue<string>());
        Assert.Equal(at, written.Status!.Since);
        Assert.Same(written, again);
        Assert.DoesNotContain(_h.Kube.RequestLog, e => e.Method == "PATCH");
    }

    [Fact]
    public async Task PatchStatus_KeepsTheMillisecondsOfItsPreciseTimestamps_AndRewritingThemIsNoChange()
    {
        _h.Seed(Widget.Named("w"));
        var widget = (await _h.Widgets.GetAsync(Key, TestContext.Current.CancellationToken))!;
        var writer = new ResourceWriter<Widget, WidgetStatus>(_h.Widgets, new HashSet<string> { "since" });
        var since = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero).AddMilliseconds(123);

        var written = await writer.PatchStatusAsync(widget, new WidgetStatus { Observed = 1, Since = since }, TestContext.Current.CancellationToken);
        _h.Kube.ClearRequestLog();
        var again = await writer.PatchStatusAsync(written, written.Status! with { }, TestContext.Current.CancellationToken);

        Assert.Equal(since, written.Status!.Since);
        Assert.Same(written, again);
        Assert.DoesNotContain(_h.Kube.RequestLog, e => e.Method == "PATCH");
    }

    /// <summary>A widget as the cache would hold it, and a writer that has since written its status once.</summary>
    private async Task<(ResourceWriter<Widget, WidgetStatus> Writer, Widget Original, Widget Written)> WrittenOnceAsync(string message)
    {
        _h.Seed(Widget.Named("w"));
        var original = (await _h.Widgets.GetAsync(Key, TestContext.Current.CancellationToken))!;
        var writer = new ResourceWriter<Widget, WidgetStatus>(_h.Widgets);
        var written = await writer.PatchStatusAsync(original, new WidgetStatus { Observed = 1, Message = message }, TestContext.Current.CancellationToken);
        return (writer, original, written);
    }
}
