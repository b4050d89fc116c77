using System.Text.Json.Nodes;
using k8s;
using LoraTrainer.Testing.Hosting;
using LoraTrainer.Testing.Kubernetes.Hooks;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Semantics;
using LoraTrainer.Testing.Kubernetes.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Testing.Kubernetes;

/// <summary>
/// A Kubernetes API server over real HTTP on 127.0.0.1 that KubernetesClient and kubectl use unmodified: CRUD with
/// resourceVersion conflicts, status subresource, generation, finalizers, garbage collection, selectors, watches
/// with replay and 410 Gone, discovery, OpenAPI v3, Tables and CRD validation (schema, formats and CEL rules).
/// </summary>
/// <remarks>
/// Start one per test (or per fixture) with <see cref="StartAsync"/>, point a client at
/// <see cref="CreateClientConfiguration"/> or a kubeconfig from <see cref="WriteKubeconfigAsync"/>, and drive
/// faults through the hooks (<see cref="FailNextRequests(RequestMatcher, int, int)"/>, <see cref="AddLatency"/>,
/// <see cref="DropAllWatches"/>, <see cref="CompactHistory"/>, <see cref="ExpiredWatches"/>). Custom resources are
/// validated as apiextensions-apiserver validates them, <c>x-kubernetes-validations</c> CEL rules included (evaluated by
/// the Cel package: Kubernetes' CEL extension libraries are missing, see <c>KubernetesCel</c>). Server-side apply works on
/// every kind, with <c>metadata.managedFields</c>, conflicts and <c>force</c>; built-in kinds are merged without their Go
/// schemas, so their lists are atomic. Not implemented: strategic merge on custom resources (refused with 415, as by a real
/// server), the exemption a real server gives kubectl from conflicts with its own last-applied annotation, validation
/// ratcheting of unchanged fields, authentication and authorization of the fake's own requests (TokenReview and
/// SubjectAccessReview are answered, from <see cref="FakeKubeApiServerOptions.Users"/> and <see cref="Allow"/>).
/// </remarks>
public sealed partial class FakeKubeApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeCluster _cluster;
    private readonly FaultInjector _faults;
    private readonly RequestLog _log;
    private readonly AccessReviews _reviews;
    private int _disposed;

    private FakeKubeApiServer(WebApplication app, FakeCluster cluster, FaultInjector faults, RequestLog log, AccessReviews reviews, Uri baseAddress)
    {
        _app = app;
        _cluster = cluster;
        _faults = faults;
        _log = log;
        _reviews = reviews;
        BaseAddress = baseAddress;
    }

    /// <summary>Where the server listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The port on 127.0.0.1.</summary>
    public int Port => BaseAddress.Port;

    /// <summary>The latest resourceVersion handed out (one counter for all objects, like etcd's revision).</summary>
    public long ResourceVersion => _cluster.Store.Revision;

    /// <summary>Starts a server with the given options (a free port by default) and the initial namespaces.</summary>
    public static async Task<FakeKubeApiServer> StartAsync(FakeKubeApiServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new FakeKubeApiServerOptions();
        var store = new ObjectStore(options.HistoryCapacity) { ExpiredWatches = options.ExpiredWatches };
        var cluster = new FakeCluster(store, new ResourceRegistry(), options.TimeProvider);
        foreach (var ns in options.Namespaces)
        {
            cluster.Create(BuiltInResources.Namespaces, null, new JsonObject
            {
                ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns },
            }, WriteOptions.Default);
        }

        var faults = new FaultInjector();
        var log = new RequestLog(options.RequestLogCapacity);
        var reviews = new AccessReviews(options.Users);
        var app = KubeApiApplication.Build(options, cluster, faults, log, reviews);
        var baseAddress = await LoopbackHost.StartAsync(app, cancellationToken);
        if (options.LoggerFactory is { } loggers)
        {
            FakeKubeApiLog.Listening(loggers.CreateLogger("LoraTrainer.Testing.FakeKubeApiServer"), baseAddress);
        }

        return new FakeKubeApiServer(app, cluster, faults, log, reviews, baseAddress);
    }

    /// <summary>A fresh client configuration pointing at this server (no TLS, no credentials needed).</summary>
    public KubernetesClientConfiguration CreateClientConfiguration()
    {
        var configuration = new KubernetesClientConfiguration { Host = BaseAddress.ToString().TrimEnd('/'), Namespace = "default" };

        // Tests send TrainingRuns and JSON documents as request bodies, which the client's own models do not cover.
        configuration.AddJsonOptions(LoraTrainer.Cluster.ClusterJson.AddTo);
        return configuration;
    }

    /// <summary>A KubernetesClient for this server; the caller disposes it.</summary>
    public k8s.Kubernetes CreateClient() => new(CreateClientConfiguration());

    /// <summary>A kubeconfig (context <c>fake</c>) that points kubectl or a client at this server.</summary>
    public string CreateKubeconfig(string @namespace = "default") => Kubeconfig.For(BaseAddress, @namespace);

    /// <summary>Writes <see cref="CreateKubeconfig"/> to <paramref name="path"/> (creating the folder) and returns the full path.</summary>
    public async Task<string> WriteKubeconfigAsync(string path, string @namespace = "default", CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await File.WriteAllTextAsync(full, CreateKubeconfig(@namespace), cancellationToken);
        return full;
    }

    /// <summary>Ends every watch and stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        using (_cluster.Store.Gate.EnterScope())
        {
            _cluster.Store.DropAllWatches(abortConnections: false, includeInternal: true);
        }

        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
