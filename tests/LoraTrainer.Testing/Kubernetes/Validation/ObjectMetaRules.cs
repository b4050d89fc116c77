using System.Text.RegularExpressions;
using System.Text.Json.Nodes;

namespace LoraTrainer.Testing.Kubernetes.Validation;

/// <summary>The apiserver's checks on <c>metadata</c> that apply to every kind: names and labels.</summary>
internal static partial class ObjectMetaRules
{
    private const string SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private const string LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

    /// <summary>Errors in the object's name; namespaces must be DNS labels, everything else DNS subdomains.</summary>
    public static IEnumerable<FieldError> ValidateName(string name, bool dnsLabel)
    {
        if (dnsLabel ? (name.Length > 63 || !DnsLabel().IsMatch(name)) : (name.Length > 253 || !DnsSubdomain().IsMatch(name)))
        {
            yield return FieldError.Invalid("metadata.name", $"\"{name}\"", dnsLabel ? LabelMessage : SubdomainMessage);
        }
    }

    /// <summary>
    /// Why the apiserver's decoder cannot read the object's labels or annotations (a value that is not a string, a map
    /// that is not an object), worded as Go's encoding/json says it; null when they decode. A null value decodes as an
    /// empty string, as in Go, and is rewritten so in place.
    /// </summary>
    public static string? UndecodableMaps(JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject meta)
        {
            return null;
        }

        foreach (var field in (string[])["labels", "annotations"])
        {
            switch (meta[field])
            {
                case null:
                    continue;
                case JsonObject map:
                    foreach (var (key, value) in map.ToList())
                    {
                        if (value is null)
                        {
                            map[key] = "";
                        }
                        else if (value.GetValueKind() != System.Text.Json.JsonValueKind.String)
                        {
                            return $"json: cannot unmarshal {GoKind(value)} into Go struct field ObjectMeta.metadata.{field} of type string";
                        }
                    }

                    break;
                case var other:
                    return $"json: cannot unmarshal {GoKind(other)} into Go struct field ObjectMeta.metadata.{field} of type map[string]string";
            }
        }

        return null;
    }

    public static IEnumerable<FieldError> ValidateLabels(JsonObject obj)
    {
        foreach (var (key, value) in KubeJson.Labels(obj))
        {
            if (!IsLabelValue(value))
            {
                yield return FieldError.Invalid($"metadata.labels", $"\"{value}\"",
                    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
            }

            if (!IsQualifiedName(key))
            {
                yield return FieldError.Invalid("metadata.labels", $"\"{key}\"", "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
            }
        }
    }

    private static string GoKind(JsonNode value) => value.GetValueKind() switch
    {
        System.Text.Json.JsonValueKind.Number => "number",
        System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "bool",
        System.Text.Json.JsonValueKind.Array => "array",
        System.Text.Json.JsonValueKind.Object => "object",
        _ => "string",
    };

    /// <summary>A label key: an optional DNS subdomain prefix and a name of up to 63 characters.</summary>
    public static bool IsQualifiedName(string key) => QualifiedKey().IsMatch(key);

    /// <summary>A label value: empty, or up to 63 alphanumerics with '-', '_' or '.' inside.</summary>
    public static bool IsLabelValue(string value) => value.Length == 0 || (value.Length <= 63 && LabelValue().IsMatch(value));

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex(@"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex QualifiedKey();
}
