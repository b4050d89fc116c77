using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using LoraTrainer.Cluster;
using LoraTrainer.Testing.Kubernetes;
using static LoraTrainer.Testing.Tests.Kubernetes.KubeFixtures;

namespace LoraTrainer.Testing.Tests.Kubernetes;

public sealed class WatchTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Watch_FromResourceVersion_ReplaysLaterChangesInCommitOrder()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var start = ResourceVersion(await CreateRunAsync(client, "a"));
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(Patch.Merge("""{"status":{"phase":"pendingGpu"}}"""), Group, RunVersion, "default", Plural, "a", cancellationToken: Token);
        await CreateRunAsync(client, "b");
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, RunVersion, "default", Plural, "a", cancellationToken: Token);

        var events = await CollectAsync(client, start, count: 3);

        Assert.Equal(["MODIFIED a", "ADDED b", "DELETED a"], events.Select(e => $"{e.Type.ToString().ToUpperInvariant()} {e.Object["metadata"]!["name"]}"));
        Assert.Equal(server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), ResourceVersion(events[2].Object));
    }

    [Fact]
    public async Task Watch_WithoutResourceVersion_StartsWithTheCurrentObjectsThenFollowsChanges()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "a");
        await CreateRunAsync(client, "b");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cts.CancelAfter(Patience);
        var events = new List<string>();

        await foreach (var (type, obj) in WatchRunsAsync(client, resourceVersion: null, cancellationToken: cts.Token))
        {
            events.Add($"{type} {ToJson(obj)["metadata"]!["name"]}");
            if (events.Count == 2)
            {
                await CreateRunAsync(client, "c");
            }

            if (events.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(["ADDED a", "ADDED b", "ADDED c"], events);
    }

    [Fact]
    public async Task Watch_FromResourceVersionOlderThanCompaction_GetsAnExpiredErrorEvent()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var start = ResourceVersion(await CreateRunAsync(client, "a"));
        await CreateRunAsync(client, "b");
        server.CompactHistory();
        Exception? error = null;

        var events = await CollectAsync(client, start, count: 1, onError: e => error = e);

        Assert.Empty(events);
        var expired = Assert.IsType<KubernetesException>(error);
        Assert.Equal(410, expired.Status.Code);
        Assert.Equal("Expired", expired.Status.Reason);
    }

    [Fact]
    public async Task Watch_FromCurrentResourceVersionAfterCompaction_IsStillServed()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "a");
        server.CompactHistory();
        var current = server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await CreateRunAsync(client, "b");

        var events = await CollectAsync(client, current, count: 1);

        Assert.Equal("b", Assert.Single(events).Object["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_WithBookmarksAndTimeout_SendsABookmarkAtTheCurrentVersionAndEndsTheStream()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var start = ResourceVersion(await CreateRunAsync(client, "a"));
        await client.CoreV1.CreateNamespacedConfigMapAsync(new k8s.Models.V1ConfigMap { Metadata = new() { Name = "other" } }, "default", cancellationToken: Token);
        var began = TimeProvider.System.GetUtcNow();

        var events = await CollectAsync(client, start, count: 10, bookmarks: true, timeoutSeconds: 1);

        var bookmark = Assert.Single(events);
        Assert.Equal(WatchEventType.Bookmark, bookmark.Type);
        Assert.Equal(server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), ResourceVersion(bookmark.Object));
        Assert.InRange(TimeProvider.System.GetUtcNow() - began, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Watch_WithLabelSelector_SeesObjectsEnterAndLeaveTheSelection()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var start = ResourceVersion(await CreateRunAsync(client, "a"));
        await PatchLabelsAsync(client, "a", """{"team":"ml"}""");
        await PatchLabelsAsync(client, "a", """{"team":"ml","x":"1"}""");
        await PatchLabelsAsync(client, "a", """{"team":"ops","x":null}""");

        var events = await CollectAsync(client, start, count: 3, labelSelector: "team in (ml)");

        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.Equal("ml", events[2].Object["metadata"]!["labels"]!["team"]!.GetValue<string>());
        Assert.Equal(server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), ResourceVersion(events[2].Object));
    }

    [Fact]
    public async Task DropAllWatches_EndsOpenStreamsCleanly()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var start = ResourceVersion(await CreateRunAsync(client, "a"));
        await CreateRunAsync(client, "b");
        var watching = CollectAsync(client, start, count: 100);
        await OpenWatchesAsync(server, 1);

        server.DropAllWatches();
        var events = await watching.WaitAsync(Patience, Token);

        Assert.Equal("b", Assert.Single(events).Object["metadata"]!["name"]!.GetValue<string>());
        await OpenWatchesAsync(server, 0);
    }

    [Fact]
    public async Task DropAllWatches_WithAbort_ResetsTheConnection()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        var start = ResourceVersion(await CreateRunAsync(client, "a"));
        await CreateRunAsync(client, "b");
        Exception? error = null;
        var watching = CollectAsync(client, start, count: 100, onError: e => error = e, swallow: true);
        await OpenWatchesAsync(server, 1);

        server.DropAllWatches(abortConnections: true);
        await watching.WaitAsync(Patience, Token);

        Assert.True(error is HttpRequestException or IOException, $"expected a transport error, got {error?.GetType().Name ?? "none"}");
    }

    [Fact]
    public async Task Watch_FromACompactedVersion_WhenChosenAnswersHttp410InsteadOfAnErrorEvent()
    {
        await using var server = await StartWithCrdAsync(new FakeKubeApiServerOptions { ExpiredWatches = ExpiredWatchResponse.HttpStatus });
        using var client = server.CreateClient();
        var start = ResourceVersion(await CreateRunAsync(client, "a"));
        await CreateRunAsync(client, "b");
        server.CompactHistory();

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => CollectAsync(client, start, count: 1));
        server.ExpiredWatches = ExpiredWatchResponse.ErrorEvent;
        Exception? error = null;
        var events = await CollectAsync(client, start, count: 1, onError: e => error = e);

        Assert.Equal(System.Net.HttpStatusCode.Gone, refused.Response.StatusCode);
        Assert.Contains("\"reason\":\"Expired\"", refused.Response.Content);
        Assert.Contains(server.RequestLog, r => r.IsWatch && r.StatusCode == 410);
        Assert.Empty(events);
        Assert.Equal(410, Assert.IsType<KubernetesException>(error).Status.Code);
    }

    [Fact]
    public async Task DropAllWatches_LeavesTheKitsOwnWaitsWaiting()
    {
        await using var server = await StartWithCrdAsync();
        using var client = server.CreateClient();
        await CreateRunAsync(client, "anna");
        var waiting = server.WaitForAsync(ApiVersion, "TrainingRun", "default", "anna", r => r["status"]?["phase"]?.GetValue<string>() == "training", cancellationToken: Token);
        await OpenWatchesAsync(server, 1);

        server.DropAllWatches();
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(Patch.Merge("""{"status":{"phase":"training"}}"""), Group, RunVersion, "default", Plural, "anna", cancellationToken: Token);

        var found = await waiting.WaitAsync(Patience, Token);
        Assert.Equal("training", found["status"]!["phase"]!.GetValue<string>());
    }

    private static Task PatchLabelsAsync(IKubernetes client, string name, string labels) =>
        client.CustomObjects.PatchNamespacedCustomObjectAsync(Patch.Merge("{\"metadata\":{\"labels\":" + labels + "}}"), Group, RunVersion, "default", Plural, name, cancellationToken: Token);

    internal static async Task<List<(WatchEventType Type, JsonObject Object)>> CollectAsync(IKubernetes client, string resourceVersion, int count,
        string? labelSelector = null, bool bookmarks = false, int? timeoutSeconds = null, Action<Exception>? onError = null, bool swallow = false)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cts.CancelAfter(Patience);
        var events = new List<(WatchEventType, JsonObject)>();
        try
        {
            await foreach (var (type, obj) in WatchRunsAsync(client, resourceVersion, labelSelector, bookmarks, timeoutSeconds, cts.Token))
            {
                if (type == "ERROR")
                {
                    // What a client makes of an ERROR event: the Status it carries, as an error beside the stream.
                    onError?.Invoke(new KubernetesException(ClusterJson.Deserialize<V1Status>(obj)));
                    continue;
                }

                events.Add((Enum.Parse<WatchEventType>(type, ignoreCase: true), ToJson(obj)));
                if (events.Count == count)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (swallow && e is HttpRequestException or IOException)
        {
            onError?.Invoke(e);
        }

        return events;
    }

    private static Task OpenWatchesAsync(FakeKubeApiServer server, int count) =>
        Eventually.UntilAsync(() => server.ActiveWatchCount, open => open == count, Patience, $"{count} open watch(es)", cancellationToken: Token);
}
