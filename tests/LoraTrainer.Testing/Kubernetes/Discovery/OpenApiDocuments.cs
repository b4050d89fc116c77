using System.Security.Cryptography;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Storage;

namespace LoraTrainer.Testing.Kubernetes.Discovery;

/// <summary>The <c>/openapi/v3</c> index and one document per group-version, built from the registry (and CRD schemas).</summary>
/// <remarks>
/// kubectl switches to server-side field validation only when the group-version document lists the resource's
/// PATCH operation, tagged with <c>x-kubernetes-group-version-kind</c>, with a <c>fieldValidation</c> parameter.
/// PATCH bodies list only JSON and merge patches, so kubectl computes strategic merge patches for built-ins
/// from its own types instead of looking for schemas these documents do not carry.
/// </remarks>
internal sealed class OpenApiDocuments(ResourceRegistry registry)
{
    private readonly Lock _gate = new();
    private (long Generation, Dictionary<string, byte[]> Documents, byte[] Index)? _cache;

    /// <summary>The index: <c>{"paths": {"apis/g/v": {"serverRelativeURL": "/openapi/v3/apis/g/v?hash=..."}}}</c>.</summary>
    public byte[] Index() => Current().Index;

    /// <summary>The document of <c>api/v1</c> or <c>apis/{g}/{v}</c>, or null when nothing is served there.</summary>
    public byte[]? GroupVersion(string path) => Current().Documents.GetValueOrDefault(path.Trim('/'));

    private (long Generation, Dictionary<string, byte[]> Documents, byte[] Index) Current()
    {
        using (_gate.EnterScope())
        {
            var generation = registry.Generation;
            if (_cache is { } cached && cached.Generation == generation)
            {
                return cached;
            }

            var documents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            var paths = new JsonObject();
            foreach (var gv in registry.All.GroupBy(t => (t.Group, t.Version)))
            {
                var key = gv.Key.Group.Length == 0 ? $"api/{gv.Key.Version}" : $"apis/{gv.Key.Group}/{gv.Key.Version}";
                var bytes = KubeJson.ToUtf8(Document([.. gv]));
                documents[key] = bytes;
                paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={Convert.ToHexString(SHA256.HashData(bytes))}" };
            }

            _cache = (generation, documents, KubeJson.ToUtf8(new JsonObject { ["paths"] = paths }));
            return _cache.Value;
        }
    }

    private static JsonObject Document(IReadOnlyList<ResourceType> types)
    {
        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var type in types)
        {
            var schemaId = SchemaId(type);
            var gvk = new JsonObject { ["group"] = type.Group, ["version"] = type.Version, ["kind"] = type.Kind };
            var schema = type.Schema?.OpenApiV3Schema.DeepClone() as JsonObject ?? new JsonObject { ["type"] = "object" };
            schema["x-kubernetes-group-version-kind"] = new JsonArray(gvk.DeepClone());
            schemas[schemaId] = schema;

            var prefix = (type.Group.Length == 0 ? "/api/" : $"/apis/{type.Group}/") + type.Version +
                         (type.Namespaced ? "/namespaces/{namespace}/" : "/") + type.Plural;
            var reference = new JsonObject { ["$ref"] = $"#/components/schemas/{schemaId}" };
            paths[prefix] = new JsonObject
            {
                ["get"] = Operation("list", type, gvk, reference),
                ["post"] = Operation("post", type, gvk, reference, "application/json", "application/yaml"),
                ["parameters"] = PathParameters(type.Namespaced, withName: false),
            };
            paths[prefix + "/{name}"] = ItemPath(type, gvk, reference);
            if (type.HasStatusSubresource)
            {
                paths[prefix + "/{name}/status"] = ItemPath(type, gvk, reference, withDelete: false);
            }
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static JsonObject ItemPath(ResourceType type, JsonObject gvk, JsonObject reference, bool withDelete = true)
    {
        var path = new JsonObject
        {
            ["get"] = Operation("get", type, gvk, reference),
            ["put"] = Operation("put", type, gvk, reference, "application/json", "application/yaml"),
            ["patch"] = Operation("patch", type, gvk, reference, "application/json-patch+json", "application/merge-patch+json"),
        };
        if (withDelete)
        {
            path["delete"] = Operation("delete", type, gvk, reference);
        }

        path["parameters"] = PathParameters(type.Namespaced, withName: true);
        return path;
    }

    private static JsonObject Operation(string action, ResourceType type, JsonObject gvk, JsonObject reference, params string[] bodyTypes)
    {
        var operation = new JsonObject
        {
            ["operationId"] = $"{action}{type.Kind}",
            ["parameters"] = new JsonArray([.. QueryParameters(action).Select(p => (JsonNode)p)]),
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = reference.DeepClone() } },
                },
            },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
        };
        if (bodyTypes.Length > 0)
        {
            var content = new JsonObject();
            foreach (var bodyType in bodyTypes)
            {
                content[bodyType] = new JsonObject { ["schema"] = reference.DeepClone() };
            }

            operation["requestBody"] = new JsonObject { ["content"] = content, ["required"] = true };
        }

        return operation;
    }

    private static IEnumerable<JsonObject> QueryParameters(string action) => action switch
    {
        "post" or "put" or "patch" => [Query("dryRun"), Query("fieldManager"), Query("fieldValidation")],
        "list" => [Query("labelSelector"), Query("fieldSelector"), Query("limit"), Query("resourceVersion"), Query("watch")],
        _ => [],
    };

    private static JsonArray PathParameters(bool namespaced, bool withName)
    {
        var parameters = new JsonArray();
        if (withName)
        {
            parameters.Add(PathParameter("name"));
        }

        if (namespaced)
        {
            parameters.Add(PathParameter("namespace"));
        }

        return parameters;
    }

    private static JsonObject Query(string name) => new()
    {
        ["name"] = name, ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };

    private static JsonObject PathParameter(string name) => new()
    {
        ["name"] = name, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };

    private static string SchemaId(ResourceType type)
    {
        var group = type.Group.Length == 0 ? "io.k8s.api.core" : string.Join('.', type.Group.Split('.').Reverse());
        return $"{group}.{type.Version}.{type.Kind}";
    }
}
