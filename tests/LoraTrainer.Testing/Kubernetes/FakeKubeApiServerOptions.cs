using Microsoft.Extensions.Logging;

namespace LoraTrainer.Testing.Kubernetes;

/// <summary>Settings of a <see cref="FakeKubeApiServer"/>.</summary>
public sealed record FakeKubeApiServerOptions
{
    /// <summary>The port on 127.0.0.1. Defaults to 0: a free port chosen by the OS.</summary>
    public int Port { get; init; }

    /// <summary>The clock for timestamps, ages, watch timeouts, bookmarks, injected latency and the timeouts of
    /// <see cref="FakeKubeApiServer.WaitForAsync(string, string, string?, string, Func{System.Text.Json.Nodes.JsonObject, bool}, TimeSpan?, CancellationToken)"/>.
    /// Defaults to the system clock.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>How many changes per resource are kept for watch replay before older ones answer 410 Gone. Defaults to 10,000.</summary>
    public int HistoryCapacity { get; init; } = 10_000;

    /// <summary>How often a watch that allows bookmarks receives one. Defaults to 10 seconds.</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How a watch from a resourceVersion older than the history is refused. Defaults to
    /// <see cref="ExpiredWatchResponse.ErrorEvent"/>; <see cref="FakeKubeApiServer.ExpiredWatches"/> changes it while running.</summary>
    public ExpiredWatchResponse ExpiredWatches { get; init; } = ExpiredWatchResponse.ErrorEvent;

    /// <summary>How long a watch without <c>timeoutSeconds</c> stays open. Defaults to 30 minutes.</summary>
    public TimeSpan DefaultWatchTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Namespaces that exist from the start. Defaults to default, kube-system, kube-public and kube-node-lease.</summary>
    public IReadOnlyList<string> Namespaces { get; init; } = ["default", "kube-system", "kube-public", "kube-node-lease"];

    /// <summary>How many requests the request log keeps (oldest dropped first). Defaults to 10,000.</summary>
    public int RequestLogCapacity { get; init; } = 10_000;

    /// <summary>
    /// Bearer tokens mapped to the user each one authenticates as, recorded with every request in the request log, as a
    /// real API server's token file and audit log do. Nothing is refused: a request with another token, or none, is
    /// served and recorded without a user. Defaults to none.
    /// </summary>
    public IReadOnlyDictionary<string, string> Users { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Where to log each request; null (the default) logs nothing.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }
}
