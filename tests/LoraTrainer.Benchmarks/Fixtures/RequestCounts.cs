using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Benchmarks.Fixtures;

/// <summary>The fake's request log counted by verb and resource, e.g. <c>PATCH trainingruns/status</c> or <c>LIST trainingruns</c>.</summary>
internal sealed record RequestCounts(IReadOnlyDictionary<string, int> ByVerb)
{
    public int Total => ByVerb.Values.Sum();

    /// <summary>Requests that change something (POST, PUT, PATCH, DELETE).</summary>
    public int Writes => ByVerb.Where(kv => kv.Key.Split(' ')[0] is "POST" or "PUT" or "PATCH" or "DELETE").Sum(kv => kv.Value);

    public int this[string verb] => ByVerb.GetValueOrDefault(verb);

    public static RequestCounts From(IEnumerable<KubeRequestLogEntry> log) =>
        new(log.GroupBy(Describe).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal));

    /// <summary>Only the requests about one object (by name), e.g. one TrainingRun and its Secret.</summary>
    public static RequestCounts ForName(IEnumerable<KubeRequestLogEntry> log, Func<string, bool> nameMatches) =>
        From(log.Where(e => Parse(e.Path).Name is { } name && nameMatches(name)));

    /// <summary><c>VERB resource[/subresource]</c>; a GET without a name is a LIST, any request with watch=true a WATCH.</summary>
    public static string Describe(KubeRequestLogEntry entry)
    {
        var (resource, name, subresource) = Parse(entry.Path);
        var verb = entry.IsWatch ? "WATCH" : entry.Method == "GET" && name is null ? "LIST" : entry.Method;
        return subresource is null ? $"{verb} {resource}" : $"{verb} {resource}/{subresource}";
    }

    private static (string Resource, string? Name, string? Subresource) Parse(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var rest = segments switch
        {
            ["api", _, .. var r] => r,
            ["apis", _, _, .. var r] => r,
            _ => segments,
        };
        if (rest is ["namespaces", _, _, ..])
        {
            rest = rest[2..];
        }

        return rest switch
        {
            [var resource] => (resource, null, null),
            [var resource, var name] => (resource, name, null),
            [var resource, var name, var sub, ..] => (resource, name, sub),
            _ => (path, null, null),
        };
    }
}
