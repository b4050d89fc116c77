using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Storage;

namespace LoraTrainer.Testing.Kubernetes.Discovery;

/// <summary>The legacy (unaggregated) discovery documents: <c>/version</c>, <c>/api</c>, <c>/apis</c>, <c>/apis/{g}</c>, <c>/apis/{g}/{v}</c>, <c>/api/v1</c>.</summary>
/// <remarks>kubectl first asks for aggregated discovery and falls back to these when the answer is plain JSON.</remarks>
internal static class DiscoveryDocuments
{
    private static readonly string[] Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    /// <summary>The server version kubectl compares itself with (the release our kubectl is).</summary>
    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.0-fake",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2024-12-11T00:00:00Z",
        ["goVersion"] = "go1.23.4",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject ApiVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject ApiGroupList(ResourceRegistry registry) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray([.. registry.Groups().Select(g => (JsonNode)Group(g.Group, g.Versions))]),
    };

    public static JsonObject? ApiGroup(ResourceRegistry registry, string group)
    {
        var match = registry.Groups().FirstOrDefault(g => g.Group == group);
        if (match.Group is null)
        {
            return null;
        }

        var doc = Group(match.Group, match.Versions);
        doc["kind"] = "APIGroup";
        doc["apiVersion"] = "v1";
        return doc;
    }

    public static JsonObject? ApiResourceList(ResourceRegistry registry, string group, string version)
    {
        var types = registry.InGroupVersion(group, version);
        if (types.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var type in types)
        {
            var resource = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray([.. Verbs.Select(v => (JsonNode)v)]),
            };
            if (type.ShortNames.Count > 0)
            {
                resource["shortNames"] = new JsonArray([.. type.ShortNames.Select(s => (JsonNode)s)]);
            }

            if (type.Categories.Count > 0)
            {
                resource["categories"] = new JsonArray([.. type.Categories.Select(s => (JsonNode)s)]);
            }

            resources.Add(resource);
            if (type.HasStatusSubresource)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = type.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = type.Namespaced,
                    ["kind"] = type.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static JsonObject Group(string name, IReadOnlyList<string> versions)
    {
        JsonObject Version(string v) => new() { ["groupVersion"] = $"{name}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["name"] = name,
            ["versions"] = new JsonArray([.. versions.Select(v => (JsonNode)Version(v))]),
            ["preferredVersion"] = Version(versions[0]),
        };
    }
}
