using k8s;
using k8s.Models;
using LoraTrainer.Operator.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoraTrainer.Operator.Tests.Runtime;

public sealed class EventRecorderTests : IAsyncLifetime
{
    private RuntimeHarness _h = null!;

    public async ValueTask InitializeAsync() => _h = await RuntimeHarness.StartAsync();

    public ValueTask DisposeAsync() => _h.DisposeAsync();

    [Fact]
    public async Task ARepeatedEvent_IsAggregatedIntoOneEventWithACount()
    {
        var widget = _h.Seed(Widget.Named("noisy"));
        var recorder = new EventRecorder(_h.Client, TimeProvider.System, NullLogger<EventRecorder>.Instance);

        await recorder.WarningAsync(widget, "InstanceDied", "instance 42 exited", TestContext.Current.CancellationToken);
        await recorder.WarningAsync(widget, "InstanceDied", "instance 42 exited", TestContext.Current.CancellationToken);
        await recorder.NormalAsync(widget, "GpuAllocated", "rented RTX 4090", TestContext.Current.CancellationToken);

        var events = (await _h.Client.CoreV1.ListNamespacedEventAsync("default", cancellationToken: TestContext.Current.CancellationToken)).Items;
        var died = Assert.Single(events, e => e.Reason == "InstanceDied");
        Assert.Equal(2, died.Count);
        Assert.Equal("Warning", died.Type);
        Assert.Equal("noisy", died.InvolvedObject.Name);
        Assert.Equal(widget.Metadata.Uid, died.InvolvedObject.Uid);
        Assert.Single(events, e => e.Reason == "GpuAllocated");
    }

    [Fact]
    public async Task AnEventThatCannotBeWritten_NeverThrows()
    {
        var widget = _h.Seed(Widget.Named("quiet"));
        _h.Kube.FailNextRequests("POST", "/api/v1/namespaces/default/events", 5, 500);
        var recorder = new EventRecorder(_h.Client, TimeProvider.System, NullLogger<EventRecorder>.Instance);

        await recorder.NormalAsync(widget, "Reason", "message", TestContext.Current.CancellationToken);

        Assert.Empty((await _h.Client.CoreV1.ListNamespacedEventAsync("default", cancellationToken: TestContext.Current.CancellationToken)).Items);
    }
}
