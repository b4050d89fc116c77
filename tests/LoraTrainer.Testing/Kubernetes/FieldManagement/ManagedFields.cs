using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Kubernetes.FieldManagement;

/// <summary>One entry of <c>metadata.managedFields</c>: the fields one manager owns through one kind of operation.</summary>
/// <param name="Manager">The field manager: the request's <c>fieldManager</c>, or the first word of its User-Agent.</param>
/// <param name="Operation"><c>Apply</c> (server-side apply) or <c>Update</c> (every other write).</param>
/// <param name="ApiVersion">The version the fields were written in.</param>
/// <param name="Time">When the manager last changed something, RFC 3339.</param>
/// <param name="Subresource"><c>status</c> for writes to <c>/status</c>, otherwise null.</param>
/// <param name="Fields">The owned paths (<see cref="FieldPath"/>).</param>
internal sealed record ManagedFieldsEntry(string Manager, string Operation, string ApiVersion, string? Time, string? Subresource, HashSet<string> Fields)
{
    public const string Apply = "Apply";
    public const string Update = "Update";

    /// <summary>Whether this entry and another are the same manager: an Update is also told apart by its version.</summary>
    public bool SameManager(ManagedFieldsEntry other) =>
        Manager == other.Manager && Operation == other.Operation && Subresource == other.Subresource &&
        (Operation == Apply || ApiVersion == other.ApiVersion);

    /// <summary>How conflict messages name the manager: <c>"flux"</c>, <c>"op" using v1</c>, <c>"op" with subresource "status" using v1</c>.</summary>
    public string Describe()
    {
        var name = $"\"{Manager}\"" + (Subresource is null ? "" : $" with subresource \"{Subresource}\"");
        return Operation == Update ? $"{name} using {ApiVersion}" : name;
    }
}

/// <summary>Reads and writes <c>metadata.managedFields</c> in the apiserver's format (<c>fieldsType: FieldsV1</c>).</summary>
internal static class ManagedFields
{
    private const string Member = ".";

    /// <summary>The entries of an object; entries that do not decode are skipped.</summary>
    public static List<ManagedFieldsEntry> Read(JsonObject obj) =>
        obj["metadata"]?["managedFields"] is JsonArray entries ? [.. entries.OfType<JsonObject>().Select(Decode)] : [];

    /// <summary>Whether the object carries a non-empty managedFields list (a client may send one to replace the server's).</summary>
    public static bool IsSet(JsonObject obj) => obj["metadata"]?["managedFields"] is JsonArray { Count: > 0 };

    /// <summary>Writes the entries that own something, in the apiserver's order: Apply before Update, then by time and name.</summary>
    public static void Write(JsonObject obj, IEnumerable<ManagedFieldsEntry> entries)
    {
        var kept = entries.Where(e => e.Fields.Count > 0)
            .OrderBy(e => e.Operation, StringComparer.Ordinal)
            .ThenBy(e => e.Time, StringComparer.Ordinal)
            .ThenBy(e => e.Manager, StringComparer.Ordinal)
            .ThenBy(e => e.ApiVersion, StringComparer.Ordinal)
            .ThenBy(e => e.Subresource, StringComparer.Ordinal)
            .Select(Encode).ToArray();
        var metadata = KubeJson.Metadata(obj);
        if (kept.Length == 0)
        {
            metadata.Remove("managedFields");
            return;
        }

        metadata["managedFields"] = new JsonArray(kept);
    }

    /// <summary>The entries with their times left out, to tell a change of ownership from a mere new timestamp.</summary>
    public static JsonNode? WithoutTimes(JsonObject obj)
    {
        var copy = obj["metadata"]?["managedFields"]?.DeepClone();
        foreach (var entry in (copy as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            entry.Remove("time");
        }

        return copy;
    }

    private static ManagedFieldsEntry Decode(JsonObject entry)
    {
        var fields = new HashSet<string>(StringComparer.Ordinal);
        if (entry["fieldsV1"] is JsonObject tree)
        {
            Collect(tree, "", fields);
        }

        return new ManagedFieldsEntry(
            KubeJson.GetString(entry, "manager") ?? "",
            KubeJson.GetString(entry, "operation") ?? "",
            KubeJson.GetString(entry, "apiVersion") ?? "",
            KubeJson.GetString(entry, "time"),
            KubeJson.GetString(entry, "subresource") is { Length: > 0 } subresource ? subresource : null,
            fields);
    }

    private static void Collect(JsonObject tree, string prefix, HashSet<string> fields)
    {
        foreach (var (token, child) in tree)
        {
            if (token == Member)
            {
                fields.Add(prefix);
                continue;
            }

            var path = FieldPath.Join(prefix, token);
            if (child is JsonObject { Count: > 0 } nested)
            {
                Collect(nested, path, fields);
            }
            else
            {
                fields.Add(path);
            }
        }
    }

    private static JsonObject Encode(ManagedFieldsEntry entry)
    {
        var json = new JsonObject
        {
            ["manager"] = entry.Manager,
            ["operation"] = entry.Operation,
            ["apiVersion"] = entry.ApiVersion,
        };
        if (entry.Time is not null)
        {
            json["time"] = entry.Time;
        }

        json["fieldsType"] = "FieldsV1";
        json["fieldsV1"] = Tree(entry.Fields);
        if (entry.Subresource is not null)
        {
            json["subresource"] = entry.Subresource;
        }

        return json;
    }

    /// <summary>Nests the paths: a path that is owned and also holds owned fields gets a <c>"."</c> key.</summary>
    private static JsonObject Tree(IEnumerable<string> paths)
    {
        var root = new JsonObject();
        foreach (var path in paths.Order(StringComparer.Ordinal))
        {
            var node = root;
            foreach (var token in FieldPath.Tokens(path))
            {
                if (node[token] is not JsonObject next)
                {
                    next = [];
                    node[token] = next;
                }

                node = next;
            }

            node[Member] = new JsonObject();
        }

        Collapse(root);
        return root;
    }

    /// <summary>A leaf is written <c>"f:x": {}</c>, not <c>"f:x": {".": {}}</c>.</summary>
    private static void Collapse(JsonObject node)
    {
        foreach (var (_, child) in node.ToList())
        {
            if (child is JsonObject nested)
            {
                if (nested.Count == 1 && nested.ContainsKey(Member))
                {
                    nested.Remove(Member);
                }
                else
                {
                    Collapse(nested);
                }
            }
        }
    }
}
