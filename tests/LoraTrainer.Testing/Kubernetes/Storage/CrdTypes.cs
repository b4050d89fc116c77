using System.Text.Json;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Http;
using LoraTrainer.Testing.Kubernetes.Validation;

namespace LoraTrainer.Testing.Kubernetes.Storage;

/// <summary>Reads a CustomResourceDefinition into the resource types it serves, refusing one the apiserver would refuse.</summary>
internal static class CrdTypes
{
    private static readonly PrinterColumn DefaultAge = new("Age", "date", ".metadata.creationTimestamp");

    public static IReadOnlyList<ResourceType> Parse(JsonObject crd)
    {
        var errors = new List<FieldError>();
        var name = KubeJson.Name(crd) ?? "";
        var group = KubeJson.GetString(crd, "spec", "group") ?? "";
        var names = crd["spec"]?["names"] as JsonObject;
        var plural = KubeJson.GetString(names, "plural") ?? "";
        var kind = KubeJson.GetString(names, "kind") ?? "";
        var scope = KubeJson.GetString(crd, "spec", "scope");
        Require(errors, group, "spec.group");
        Require(errors, plural, "spec.names.plural");
        Require(errors, kind, "spec.names.kind");
        if (scope is not ("Namespaced" or "Cluster"))
        {
            errors.Add(FieldError.NotSupported("spec.scope", KubeJson.DescribeValue(scope), ["\"Cluster\"", "\"Namespaced\""]));
        }

        if (plural.Length > 0 && group.Length > 0 && name != $"{plural}.{group}")
        {
            errors.Add(FieldError.Invalid("metadata.name", $"\"{name}\"", "must be spec.names.plural+\".\"+spec.group"));
        }

        var versions = (crd["spec"]?["versions"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (versions.Count == 0)
        {
            errors.Add(FieldError.Invalid("spec.versions", "null", "must have exactly one version marked as storage version"));
        }
        else if (versions.Count(v => v["storage"]?.GetValueKind() == JsonValueKind.True) != 1)
        {
            errors.Add(FieldError.Invalid("spec.versions", "[]", "must have exactly one version marked as storage version"));
        }

        if (errors.Count > 0)
        {
            throw KubeErrors.Invalid(BuiltInResources.CustomResourceDefinitions, name, errors);
        }

        var types = new List<ResourceType>();
        for (var i = 0; i < versions.Count; i++)
        {
            var type = ToType(name, group, names!, kind, plural, scope == "Namespaced", versions[i]);
            var at = $"spec.versions[{i.ToString(System.Globalization.CultureInfo.InvariantCulture)}].schema.";
            errors.AddRange((type.Schema?.RuleErrors ?? []).Select(e => e with { Field = at + e.Field }));
            if (versions[i]["served"]?.GetValueKind() != JsonValueKind.False)
            {
                types.Add(type);
            }
        }

        return errors.Count > 0 ? throw KubeErrors.Invalid(BuiltInResources.CustomResourceDefinitions, name, errors) : types;
    }

    /// <summary>The status a real apiserver reports once the names are accepted and the CRD is established.</summary>
    public static JsonObject EstablishedStatus(JsonObject crd, string now)
    {
        JsonObject Condition(string type, string reason, string message) => new()
        {
            ["type"] = type, ["status"] = "True", ["lastTransitionTime"] = now, ["reason"] = reason, ["message"] = message,
        };

        var storage = (crd["spec"]?["versions"] as JsonArray ?? [])
            .FirstOrDefault(v => v?["storage"]?.GetValueKind() == JsonValueKind.True)?["name"]?.GetValue<string>();
        return new JsonObject
        {
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted")),
            ["acceptedNames"] = crd["spec"]?["names"]?.DeepClone(),
            ["storedVersions"] = new JsonArray(storage),
        };
    }

    private static ResourceType ToType(string crdName, string group, JsonObject names, string kind, string plural, bool namespaced, JsonObject version)
    {
        var schema = version["schema"]?["openAPIV3Schema"] as JsonObject;
        var columns = (version["additionalPrinterColumns"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(c => new PrinterColumn(
                KubeJson.GetString(c, "name") ?? "",
                KubeJson.GetString(c, "type") ?? "string",
                KubeJson.GetString(c, "jsonPath") ?? "",
                KubeJson.GetString(c, "format") ?? "",
                KubeJson.GetString(c, "description") ?? "",
                (int)KubeJson.GetLong(c["priority"])))
            .ToList();
        return new ResourceType
        {
            Group = group,
            Version = KubeJson.GetString(version, "name") ?? "",
            Plural = plural,
            Singular = KubeJson.GetString(names, "singular") ?? kind.ToLowerInvariant(),
            Kind = kind,
            Namespaced = namespaced,
            ShortNames = Strings(names["shortNames"]),
            Categories = Strings(names["categories"]),
            HasStatusSubresource = version["subresources"]?["status"] is not null,
            TracksGeneration = true,
            AllowUnconditionalUpdate = false,
            Columns = columns.Count > 0 ? columns : [DefaultAge],
            SelectableFields = [.. (version["selectableFields"] as JsonArray ?? []).Select(f => KubeJson.GetString(f, "jsonPath")?.TrimStart('.') ?? "")],
            Schema = schema is null ? null : new CustomResourceSchema(schema),
            CrdName = crdName,
        };
    }

    private static IReadOnlyList<string> Strings(JsonNode? node) =>
        node is JsonArray a ? [.. a.Select(n => n?.GetValue<string>() ?? "")] : [];

    private static void Require(List<FieldError> errors, string value, string field)
    {
        if (value.Length == 0)
        {
            errors.Add(FieldError.Required(field));
        }
    }
}
