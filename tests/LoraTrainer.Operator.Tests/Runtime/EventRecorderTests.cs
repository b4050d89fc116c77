using k8s;
using k8s.Models;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Testing.Kubernetes;
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

    [Fact]
    public async Task AnEventWriteThatTimesOut_NeverThrows()
    {
        var widget = _h.Seed(Widget.Named("slow-events"));
        _h.Kube.AddLatency(new RequestMatcher("POST", "/api/v1/namespaces/default/events"), TimeSpan.FromSeconds(10));
        using var client = _h.ClientWithTimeout(TimeSpan.FromMilliseconds(500));
        var recorder = new EventRecorder(client, TimeProvider.System, NullLogger<EventRecorder>.Instance);

        var record = recorder.NormalAsync(widget, "GpuAllocated", "rented RTX 4090", TestContext.Current.CancellationToken);

        await record.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.True(record.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task ARepeatOfAnEventThatHasExpired_IsRecordedAnew_AndCountedFromThere()
    {
        var widget = _h.Seed(Widget.Named("long-lived"));
        var recorder = new EventRecorder(_h.Client, TimeProvider.System, NullLogger<EventRecorder>.Instance);
        await recorder.WarningAsync(widget, "InstanceDied", "instance 42 exited", TestContext.Current.CancellationToken);
        var first = Assert.Single(await EventsAsync());
        // The API server deletes Events after their TTL (an hour by default).
        await _h.Client.CoreV1.DeleteNamespacedEventAsync(first.Metadata.Name, "default", cancellationToken: TestContext.Current.CancellationToken);

        await recorder.WarningAsync(widget, "InstanceDied", "instance 42 exited", TestContext.Current.CancellationToken);
        var recreated = Assert.Single(await EventsAsync());
        await recorder.WarningAsync(widget, "InstanceDied", "instance 42 exited", TestContext.Current.CancellationToken);

        var counted = Assert.Single(await EventsAsync());
        Assert.NotEqual(first.Metadata.Name, recreated.Metadata.Name);
        Assert.Equal(1, recreated.Count);
        Assert.Equal(recreated.Metadata.Name, counted.Metadata.Name);
        Assert.Equal(2, counted.Count);
    }

    private async Task<IList<Corev1Event>> EventsAsync() =>
        (await _h.Client.CoreV1.ListNamespacedEventAsync("default", cancellationToken: TestContext.Current.CancellationToken)).Items;
}
