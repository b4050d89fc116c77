namespace LoraTrainer.Testing.Kubernetes.Http;

/// <summary>The resource part of a request path: <c>[namespaces/{ns}/]{plural}[/{name}[/{subresource}]]</c>.</summary>
/// <param name="Namespace">The namespace segment, when the path has one.</param>
/// <param name="Plural">The resource.</param>
/// <param name="Name">The object, for item requests.</param>
/// <param name="Subresource">For example <c>status</c>.</param>
internal sealed record ResourcePath(string? Namespace, string Plural, string? Name, string? Subresource)
{
    /// <summary>Parses what follows <c>/api/v1/</c> or <c>/apis/{group}/{version}/</c>; null when it is not a resource path.</summary>
    public static ResourcePath? Parse(string? rest)
    {
        var segments = (rest ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0)
        {
            return null;
        }

        // namespaces/{name}/status and namespaces/{name}/finalize are subresources of a Namespace, not a namespaced list.
        if (segments[0] == "namespaces" && segments.Length >= 3 && !(segments.Length == 3 && segments[2] is "status" or "finalize"))
        {
            return segments.Length > 5 ? null : new ResourcePath(segments[1], segments[2], At(segments, 3), At(segments, 4));
        }

        return segments.Length > 3 ? null : new ResourcePath(null, segments[0], At(segments, 1), At(segments, 2));
    }

    private static string? At(string[] segments, int index) => index < segments.Length ? Uri.UnescapeDataString(segments[index]) : null;
}
