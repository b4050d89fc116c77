using LoraTrainer.Cluster;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.FieldManagement;
using LoraTrainer.Testing.Kubernetes.Patching;
using LoraTrainer.Testing.Kubernetes.Selectors;
using LoraTrainer.Testing.Kubernetes.Semantics;
using LoraTrainer.Testing.Kubernetes.Storage;
using LoraTrainer.Testing.Kubernetes.Tables;
using LoraTrainer.Testing.Kubernetes.Validation;
using LoraTrainer.Testing.Kubernetes.Watch;
using Microsoft.AspNetCore.Http;

namespace LoraTrainer.Testing.Kubernetes.Http;

/// <summary>Serves <c>/api/v1/...</c> and <c>/apis/{group}/{version}/...</c>: the verbs on collections, objects and <c>/status</c>.</summary>
internal sealed class ResourceEndpoints(FakeCluster cluster, WatchStreamer watches)
{
    public async Task HandleAsync(HttpContext context, string group, string version, string? rest)
    {
        var path = ResourcePath.Parse(rest);
        var type = path is null ? null : cluster.Registry.Find(group, version, path.Plural);
        if (path is null || type is null || (path.Namespace is not null && !type.Namespaced) ||
            path.Subresource is not (null or "status") || (path.Subresource == "status" && !type.HasStatusSubresource))
        {
            throw KubeErrors.NotFound("the server could not find the requested resource");
        }

        var options = RequestOptions.From(context.Request.Query);
        var method = context.Request.Method;
        var ns = path.Namespace;
        switch (method)
        {
            case "GET" when path.Name is null && options.Watch:
                await watches.StreamAsync(context, type, Filter(type, ns, options), options);
                break;
            case "GET" when path.Name is null:
                await ListAsync(context, type, ns, options);
                break;
            case "GET":
                await WriteObjectAsync(context, 200, type, cluster.Get(type, ns, path.Name), options);
                break;
            case "POST" when path.Name is null && (ns is not null || !type.Namespaced):
                var created = cluster.Create(type, ns, await ReadObjectAsync(context), Write(options, context));
                await Responses.WriteAsync(context, 201, created.Object, created.Warnings);
                break;
            case "PUT" when path.Name is not null:
                var body = await ReadObjectAsync(context);
                var replaced = cluster.Update(type, ns, path.Name, path.Subresource == "status", _ => body, Write(options, context), isPut: true);
                await Responses.WriteAsync(context, replaced.Created ? 201 : 200, replaced.Object, replaced.Warnings);
                break;
            case "PATCH" when path.Name is not null && PatchKinds.IsApply(context.Request.ContentType):
                if (string.IsNullOrEmpty(options.FieldManager))
                {
                    throw KubeErrors.InvalidPatchOptions(FieldError.Required("fieldManager") with { Detail = "is required for apply patch" });
                }

                var applied = cluster.Apply(type, ns, path.Name, path.Subresource == "status", await ReadApplyConfigurationAsync(context),
                    Write(options, context), options.Force ?? false);
                await Responses.WriteAsync(context, applied.Created ? 201 : 200, applied.Object, applied.Warnings);
                break;
            case "PATCH" when path.Name is not null:
                var contentType = context.Request.ContentType;
                PatchKinds.EnsureSupported(type, contentType);
                if (options.Force is not null)
                {
                    throw KubeErrors.InvalidPatchOptions(FieldError.Forbidden("force", "may not be specified for non-apply patch"));
                }

                var patch = await ReadJsonAsync(context, asJson: true);
                var patched = cluster.Update(type, ns, path.Name, path.Subresource == "status",
                    current => PatchKinds.Apply(type, contentType, current, patch) as JsonObject
                               ?? throw KubeErrors.BadRequest("the patch did not produce an object"),
                    Write(options, context), isPut: false);
                await Responses.WriteAsync(context, 200, patched.Object, patched.Warnings);
                break;
            case "DELETE" when path.Name is not null && path.Subresource is null:
                var deleteOptions = await DeleteOptionsAsync(context, options);
                await Responses.WriteAsync(context, 200, cluster.Delete(type, ns, path.Name, deleteOptions));
                break;
            case "DELETE" when path.Name is null:
                var deleted = cluster.DeleteCollection(type, Filter(type, ns, options), await DeleteOptionsAsync(context, options));
                await Responses.WriteBytesAsync(context, 200, ListBytes(type, deleted, ListMetadata(cluster.Store.Revision, null, null)));
                break;
            default:
                throw KubeErrors.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }
    }

    private async Task ListAsync(HttpContext context, ResourceType type, string? ns, RequestOptions options)
    {
        var page = cluster.List(type, Filter(type, ns, options), options.Limit, options.Continue);
        if (TableConverter.IsRequested(context.Request.Headers.Accept))
        {
            var table = TableConverter.Build(type, page.Items, options.IncludeObject, cluster.Time.GetUtcNow(), ListMetadata(page.ResourceVersion, page.Continue, page.RemainingItemCount));
            await Responses.WriteAsync(context, 200, table);
            return;
        }

        await Responses.WriteBytesAsync(context, 200, ListBytes(type, page.Items, ListMetadata(page.ResourceVersion, page.Continue, page.RemainingItemCount)));
    }

    private async Task WriteObjectAsync(HttpContext context, int statusCode, ResourceType type, JsonObject obj, RequestOptions options)
    {
        if (TableConverter.IsRequested(context.Request.Headers.Accept))
        {
            var table = TableConverter.Build(type, [obj], options.IncludeObject, cluster.Time.GetUtcNow(),
                new JsonObject { ["resourceVersion"] = KubeJson.GetString(obj, "metadata", "resourceVersion") });
            await Responses.WriteAsync(context, statusCode, table);
            return;
        }

        await Responses.WriteAsync(context, statusCode, obj);
    }

    public static WatchFilter Filter(ResourceType type, string? ns, RequestOptions options)
    {
        var labels = LabelSelector.Parse(options.LabelSelector);
        var fields = FieldSelector.Parse(options.FieldSelector, type);
        Func<JsonObject, bool>? selector = (labels, fields) switch
        {
            (null, null) => null,
            (not null, null) => labels.Matches,
            (null, not null) => fields.Matches,
            _ => o => labels!.Matches(o) && fields!.Matches(o),
        };
        return new WatchFilter(ns, selector);
    }

    /// <summary>Writes the list envelope around the stored items without copying them.</summary>
    private static byte[] ListBytes(ResourceType type, IReadOnlyList<JsonObject> items, JsonObject metadata)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var writer = KubeJson.CreateWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", type.ListKind);
            writer.WriteString("apiVersion", type.ApiVersion);
            writer.WritePropertyName("metadata");
            metadata.WriteTo(writer);
            writer.WriteStartArray("items");
            foreach (var item in items)
            {
                item.WriteTo(writer);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static JsonObject ListMetadata(long revision, string? continueToken, long? remaining)
    {
        var metadata = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        if (continueToken is not null)
        {
            metadata["continue"] = continueToken;
            metadata["remainingItemCount"] = remaining;
        }

        return metadata;
    }

    private static WriteOptions Write(RequestOptions options, HttpContext context) =>
        new(options.DryRun, options.FieldValidation, FieldManager: FieldOwnership.ManagerOf(options.FieldManager, context.Request.Headers.UserAgent));

    /// <summary>An apply configuration: YAML, of which JSON (what kubectl sends) is a subset.</summary>
    private static async Task<JsonObject> ReadApplyConfigurationAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        try
        {
            var parsed = text.TrimStart().StartsWith('{') ? JsonNode.Parse(text) as JsonObject : Manifests.Parse(text) is [var single] ? single : null;
            return parsed ?? throw KubeErrors.BadRequest("expected exactly one object to apply");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or YamlDotNet.Core.YamlException)
        {
            throw KubeErrors.BadRequest($"error decoding YAML: {e.Message}");
        }
    }

    private static async Task<DeleteOptions> DeleteOptionsAsync(HttpContext context, RequestOptions options)
    {
        var body = context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0
            ? await ReadJsonAsync(context)
            : null;
        var parsed = DeleteOptions.From(body, options.DryRun);
        return options.PropagationPolicy is { } policy ? parsed with { PropagationPolicy = policy } : parsed;
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context) =>
        await ReadJsonAsync(context) as JsonObject ?? throw KubeErrors.BadRequest("the request body must be a JSON object");

    private static async Task<JsonNode?> ReadJsonAsync(HttpContext context, bool asJson = false)
    {
        var contentType = asJson ? "application/json" : context.Request.ContentType ?? "application/json";
        if (contentType.StartsWith("application/vnd.kubernetes.protobuf", StringComparison.OrdinalIgnoreCase))
        {
            throw KubeErrors.UnsupportedMediaType(contentType, ["application/json", "application/yaml"]);
        }

        try
        {
            if (contentType.StartsWith("application/yaml", StringComparison.OrdinalIgnoreCase))
            {
                using var reader = new StreamReader(context.Request.Body);
                var docs = Manifests.Parse(await reader.ReadToEndAsync(context.RequestAborted));
                return docs.Count == 1 ? docs[0] : throw KubeErrors.BadRequest("expected exactly one YAML document");
            }

            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException e)
        {
            throw KubeErrors.BadRequest($"couldn't get version/kind; json parse error: {e.Message}");
        }
        catch (Exception e) when (e is InvalidDataException or YamlDotNet.Core.YamlException)
        {
            throw KubeErrors.BadRequest($"couldn't get version/kind; yaml parse error: {e.Message}");
        }
    }
}
