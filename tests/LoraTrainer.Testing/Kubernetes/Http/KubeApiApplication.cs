using LoraTrainer.Testing.Hosting;
using LoraTrainer.Testing.Kubernetes.Discovery;
using LoraTrainer.Testing.Kubernetes.Hooks;
using LoraTrainer.Testing.Kubernetes.Semantics;
using LoraTrainer.Testing.Kubernetes.Watch;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LoraTrainer.Testing.Kubernetes.Http;

/// <summary>Builds the Kestrel application that serves the fake on 127.0.0.1.</summary>
internal static class KubeApiApplication
{
    public static WebApplication Build(FakeKubeApiServerOptions options, FakeCluster cluster, FaultInjector faults, RequestLog log, AccessReviews reviews)
    {
        var builder = LoopbackHost.CreateBuilder(options.Port);
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        builder.Services.AddSingleton(loggerFactory);

        var app = builder.Build();
        var hooks = new RequestHooksMiddleware(faults, log, options.Users, cluster.Time, loggerFactory.CreateLogger("LoraTrainer.Testing.FakeKubeApiServer"));
        var watches = new WatchStreamer(cluster, options.BookmarkInterval, options.DefaultWatchTimeout);
        var resources = new ResourceEndpoints(cluster, watches);
        app.Use(hooks.InvokeAsync);
        app.MapDiscovery(cluster.Registry);
        app.MapPost(AccessReviews.TokenReviewPath, reviews.TokenReviewAsync);
        app.MapPost(AccessReviews.SubjectAccessReviewPath, reviews.SubjectAccessReviewAsync);
        app.Map("/api/v1/{**rest}", (HttpContext c, string? rest) => resources.HandleAsync(c, "", "v1", rest));
        app.Map("/apis/{group}/{version}/{**rest}", (HttpContext c, string group, string version, string? rest) =>
            resources.HandleAsync(c, group, version, rest));
        app.MapFallback(Task (HttpContext _) => throw DiscoveryEndpoints.NotFound());
        return app;
    }
}
