using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LoraTrainer.Cluster;

/// <summary>
/// Builds JSON merge patches (RFC 7386) between two JSON documents: changed and added fields are set, removed fields
/// are set to null, arrays are replaced whole. Building from JSON rather than typed objects keeps the nulls that a
/// typed serializer would drop.
/// </summary>
public static partial class StatusPatch
{
    /// <summary>
    /// The merge patch that turns <paramref name="current"/>'s <c>status</c> into <paramref name="desired"/>, carrying
    /// <paramref name="resourceVersion"/> as a precondition; null when there is nothing to change.
    /// </summary>
    public static JsonObject? For(JsonNode? current, JsonNode? desired, string? resourceVersion)
    {
        if (!TryDiff(current, desired, out var diff))
        {
            return null;
        }

        var patch = new JsonObject { ["status"] = diff };
        if (resourceVersion is not null)
        {
            patch["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion };
        }

        return patch;
    }

    /// <summary>
    /// The merge patch that turns <paramref name="current"/> into <paramref name="desired"/> as they serialize for the
    /// API server, guarded by <paramref name="resourceVersion"/>; null when nothing would change.
    /// </summary>
    public static JsonObject? For<TStatus>(TStatus? current, TStatus desired, string? resourceVersion)
        where TStatus : class =>
        For(current is null ? null : JsonNode.Parse(ClusterJson.Serialize(current)), JsonNode.Parse(ClusterJson.Serialize(desired)), resourceVersion);

    /// <summary>
    /// Drops the fraction of every RFC 3339 timestamp in <paramref name="document"/> (changing it in place), so a
    /// timestamp is written at second precision, as the apiserver keeps <c>metav1.Time</c>, and a status built from
    /// a fresh clock reading compares equal to the stored one within the same second. Properties named in
    /// <paramref name="precise"/> keep their fraction: instants recorded once, which no fresh reading rebuilds (the
    /// ones a cost is priced between). Returns the document.
    /// </summary>
    public static JsonNode? AtSecondPrecision(JsonNode? document, IReadOnlySet<string>? precise = null)
    {
        switch (document)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    if (precise?.Contains(name) == true && obj[name] is JsonValue)
                    {
                        continue;
                    }

                    if (Truncated(obj[name], precise) is { } truncated)
                    {
                        obj[name] = truncated;
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (Truncated(array[i], precise) is { } truncated)
                    {
                        array[i] = truncated;
                    }
                }

                break;
        }

        return document;
    }

    /// <summary>The timestamp without its fraction, or null when <paramref name="node"/> is no such timestamp (its children are truncated in place).</summary>
    private static JsonValue? Truncated(JsonNode? node, IReadOnlySet<string>? precise)
    {
        // The cheap shape check first: this runs on every string of every status written.
        if (node is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 20 && text[10] == 'T' && text[19] == '.'
            && SubSecondTimestamp().Match(text) is { Success: true } match)
        {
            return JsonValue.Create(match.Groups["seconds"].Value + match.Groups["zone"].Value);
        }

        AtSecondPrecision(node, precise);
        return null;
    }

    [GeneratedRegex(@"^(?<seconds>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.\d+(?<zone>Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex SubSecondTimestamp();

    /// <summary>False when the documents are equal; otherwise the merge patch from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool TryDiff(JsonNode? from, JsonNode? to, out JsonNode? patch)
    {
        patch = null;
        if (JsonNode.DeepEquals(from, to))
        {
            return false;
        }

        if (from is not JsonObject before || to is not JsonObject after)
        {
            patch = to?.DeepClone();
            return true;
        }

        var result = new JsonObject();
        foreach (var (name, value) in after)
        {
            if (TryDiff(before[name], value, out var child))
            {
                result[name] = child;
            }
        }

        foreach (var (name, value) in before)
        {
            if (!after.ContainsKey(name) && value is not null)
            {
                result[name] = null;
            }
        }

        patch = result;
        return result.Count > 0;
    }
}
