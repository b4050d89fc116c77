using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LoraTrainer.Testing.Kubernetes.Storage;

namespace LoraTrainer.Testing.Kubernetes.Tables;

/// <summary>Builds the <c>meta.k8s.io/v1 Table</c> that <c>kubectl get</c> asks for, from the resource's printer columns.</summary>
/// <remarks>Cells follow apiextensions-apiserver's table convertor: dates become ages, numbers stay numbers, absent values are null (kubectl shows <c>&lt;none&gt;</c>).</remarks>
internal static class TableConverter
{
    private const string NameDescription =
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";

    public static JsonObject Build(ResourceType type, IEnumerable<JsonObject> objects, string includeObject, DateTimeOffset now, JsonObject listMetadata)
    {
        var columns = new JsonArray(Column("Name", "string", "name", NameDescription, 0));
        foreach (var column in type.Columns)
        {
            columns.Add(Column(column.Name, column.Type, column.Format, column.Description, column.Priority));
        }

        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var cells = new JsonArray(KubeJson.Name(obj));
            foreach (var column in type.Columns)
            {
                var value = column.Compute is { } compute ? compute(obj) : SimpleJsonPath.First(obj, column.JsonPath);
                cells.Add(Cell(column.Type, value, now));
            }

            var row = new JsonObject { ["cells"] = cells };
            switch (includeObject)
            {
                case "Object":
                    row["object"] = obj.DeepClone();
                    break;
                case "None":
                    break;
                default:
                    row["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = obj["metadata"]?.DeepClone(),
                    };
                    break;
            }

            rows.Add(row);
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = listMetadata,
            ["columnDefinitions"] = columns,
            ["rows"] = rows,
        };
    }

    /// <summary>Whether the Accept header asks for a Table (<c>application/json;as=Table;v=v1;g=meta.k8s.io</c>).</summary>
    public static bool IsRequested(string? accept) =>
        accept is not null && accept.Split(',').Any(part =>
            part.Contains("as=Table", StringComparison.Ordinal) && part.Contains("g=meta.k8s.io", StringComparison.Ordinal));

    private static JsonObject Column(string name, string type, string format, string description, int priority) => new()
    {
        ["name"] = name, ["type"] = type, ["format"] = format, ["description"] = description, ["priority"] = priority,
    };

    private static JsonNode? Cell(string type, JsonNode? value, DateTimeOffset now)
    {
        if (value is null)
        {
            return null;
        }

        var kind = value.GetValueKind();
        return type switch
        {
            "integer" when kind == JsonValueKind.Number => KubeJson.TryGetLong(value, out var l) ? l : (long)double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture),
            "number" when kind == JsonValueKind.Number => value.DeepClone(),
            "boolean" when kind is JsonValueKind.True or JsonValueKind.False => value.DeepClone(),
            "date" when kind == JsonValueKind.String =>
                DateTimeOffset.TryParse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
                    ? HumanDuration.Format(now - t)
                    : "<invalid>",
            "string" => SimpleJsonPath.Text(value),
            _ => null,
        };
    }
}
