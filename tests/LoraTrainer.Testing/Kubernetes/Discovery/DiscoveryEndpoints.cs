using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LoraTrainer.Testing.Kubernetes.Discovery;

/// <summary>Maps the discovery, OpenAPI and health endpoints kubectl and client libraries call before any resource.</summary>
internal static class DiscoveryEndpoints
{
    public static IEndpointRouteBuilder MapDiscovery(this IEndpointRouteBuilder app, ResourceRegistry registry)
    {
        var openApi = new OpenApiDocuments(registry);
        app.MapGet("/version", (HttpContext c) => Responses.WriteAsync(c, 200, DiscoveryDocuments.Version()));
        app.MapGet("/api", (HttpContext c) => Responses.WriteAsync(c, 200, DiscoveryDocuments.ApiVersions($"{c.Request.Host}")));
        app.MapGet("/api/v1", (HttpContext c) => WriteOrNotFoundAsync(c, DiscoveryDocuments.ApiResourceList(registry, "", "v1")));
        app.MapGet("/apis", (HttpContext c) => Responses.WriteAsync(c, 200, DiscoveryDocuments.ApiGroupList(registry)));
        app.MapGet("/apis/{group}", (HttpContext c, string group) => WriteOrNotFoundAsync(c, DiscoveryDocuments.ApiGroup(registry, group)));
        app.MapGet("/apis/{group}/{version}", (HttpContext c, string group, string version) =>
            WriteOrNotFoundAsync(c, DiscoveryDocuments.ApiResourceList(registry, group, version)));
        app.MapGet("/openapi/v3", (HttpContext c) => Responses.WriteBytesAsync(c, 200, openApi.Index()));
        app.MapGet("/openapi/v3/{**path}", (HttpContext c, string path) =>
            openApi.GroupVersion(path) is { } doc ? Responses.WriteBytesAsync(c, 200, doc) : throw NotFound());
        foreach (var health in (string[])["/healthz", "/livez", "/readyz"])
        {
            app.MapGet(health, () => TypedResults.Text("ok"));
        }

        return app;
    }

    private static Task WriteOrNotFoundAsync(HttpContext context, System.Text.Json.Nodes.JsonObject? document) =>
        document is null ? throw NotFound() : Responses.WriteAsync(context, 200, document);

    public static KubeApiException NotFound() => KubeErrors.NotFound("the server could not find the requested resource");
}
