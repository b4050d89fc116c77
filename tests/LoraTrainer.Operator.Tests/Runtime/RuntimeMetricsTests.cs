using LoraTrainer.Operator.Runtime;
using Prometheus;

namespace LoraTrainer.Operator.Tests.Runtime;

public sealed class RuntimeMetricsTests
{
    [Fact]
    public async Task QueueDepth_FollowsTheLatestRunOfAController_AndReadsZeroOnceItStops()
    {
        var metrics = new RuntimeMetrics();
        var controller = $"queue-{Guid.NewGuid():N}";

        var first = metrics.ObserveQueue(controller, () => 7);
        Assert.Equal("7", await ScrapeAsync(controller));

        // A regained leadership runs the controller again with a new queue: the old one must not be read any more.
        var second = metrics.ObserveQueue(controller, () => 3);
        first.Dispose();
        Assert.Equal("3", await ScrapeAsync(controller));

        second.Dispose();
        Assert.Equal("0", await ScrapeAsync(controller));
    }

    private static async Task<string> ScrapeAsync(string controller)
    {
        using var stream = new MemoryStream();
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(stream, TestContext.Current.CancellationToken);
        var prefix = $"loratrainer_workqueue_depth{{controller=\"{controller}\"}} ";
        var line = System.Text.Encoding.UTF8.GetString(stream.ToArray()).Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line[prefix.Length..];
    }
}
