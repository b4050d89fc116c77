using System.Text;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Storage;
using LoraTrainer.Testing.Kubernetes.Validation;

namespace LoraTrainer.Testing.Kubernetes.Semantics;

/// <summary>What the apiserver does to an object of a given kind before storing it: defaults, conversions, validation.</summary>
internal static class Admission
{
    public const string CrdCleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io";

    /// <summary>Kind-specific defaults and rules; returns warnings for the client.</summary>
    public static IReadOnlyList<string> Admit(ResourceType type, JsonObject obj, JsonObject? current, WriteOptions options, string now)
    {
        if (type.StorageKey == BuiltInResources.Secrets.StorageKey)
        {
            MergeStringData(obj);
        }
        else if (type.StorageKey == BuiltInResources.Namespaces.StorageKey)
        {
            obj["spec"] ??= new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
            if (current is null)
            {
                obj["status"] = new JsonObject { ["phase"] = "Active" };
            }
        }
        else if (type.StorageKey == BuiltInResources.CustomResourceDefinitions.StorageKey)
        {
            CrdTypes.Parse(obj);
            var established = CrdTypes.EstablishedStatus(obj, now);
            var previous = current?["status"] as JsonObject;
            obj["status"] = previous is not null && JsonNode.DeepEquals(previous["acceptedNames"], established["acceptedNames"])
                ? previous.DeepClone()
                : established;
            if (current is null)
            {
                AddFinalizer(obj, CrdCleanupFinalizer);
            }
        }

        return type.Schema is { } schema ? ApplySchema(type, schema, obj, current, options) : [];
    }

    public static void AddFinalizer(JsonObject obj, string finalizer)
    {
        var meta = KubeJson.Metadata(obj);
        if (meta["finalizers"] is not JsonArray finalizers)
        {
            finalizers = [];
            meta["finalizers"] = finalizers;
        }

        if (!finalizers.Any(f => f?.GetValue<string>() == finalizer))
        {
            finalizers.Add(finalizer);
        }
    }

    public static void RemoveFinalizer(JsonObject obj, string finalizer)
    {
        if (obj["metadata"]?["finalizers"] is JsonArray finalizers)
        {
            foreach (var node in finalizers.Where(f => f?.GetValue<string>() == finalizer).ToList())
            {
                finalizers.Remove(node);
            }

            if (finalizers.Count == 0)
            {
                KubeJson.Metadata(obj).Remove("finalizers");
            }
        }
    }

    /// <summary>Prune, default and validate a custom resource against its CRD schema and CEL rules, as apiextensions-apiserver does.</summary>
    private static IReadOnlyList<string> ApplySchema(ResourceType type, CustomResourceSchema schema, JsonObject obj, JsonObject? current, WriteOptions options)
    {
        var strict = options.FieldValidation == FieldValidation.Strict;
        var (unknown, errors) = schema.Admit(obj, refuseUnknown: strict, current);
        if (unknown.Count > 0 && strict)
        {
            throw KubeErrors.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: strict decoding error: {string.Join(", ", unknown.Select(UnknownField))}");
        }

        if (errors.Count > 0)
        {
            throw KubeErrors.Invalid(type, KubeJson.Name(obj) ?? "", errors);
        }

        return options.FieldValidation == FieldValidation.Warn ? [.. unknown.Select(UnknownField)] : [];
    }

    /// <summary>How the apiserver names a field it does not know.</summary>
    public static string UnknownField(string path) => $"unknown field \"{path}\"";

    /// <summary>Secrets: <c>stringData</c> is write-only; its entries land base64-encoded in <c>data</c>.</summary>
    private static void MergeStringData(JsonObject secret)
    {
        if (secret["stringData"] is JsonObject stringData)
        {
            if (secret["data"] is not JsonObject data)
            {
                data = [];
                secret["data"] = data;
            }

            foreach (var (key, value) in stringData)
            {
                data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value?.GetValue<string>() ?? ""));
            }

            secret.Remove("stringData");
        }

        secret["type"] ??= "Opaque";
    }
}
