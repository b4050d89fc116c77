using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Autorest;

namespace LoraTrainer.Cluster;

/// <summary>What a watch event says happened to its object.</summary>
public enum WatchEventType
{
    /// <summary>The object was created (or is reported as it was when the watch began).</summary>
    Added,

    /// <summary>The object changed.</summary>
    Modified,

    /// <summary>The object was deleted; the event carries its last state.</summary>
    Deleted,

    /// <summary>The server reported an error; the event carries a Status (never yielded: thrown).</summary>
    Error,

    /// <summary>Nothing changed; the event carries only the resourceVersion the watch has reached.</summary>
    Bookmark,
}

/// <summary>
/// A Kubernetes watch read as it streams: GET with <c>watch=true</c> through the client's own HTTP pipeline (its
/// handlers, TLS and credentials), one JSON event per line.
/// </summary>
public static class KubernetesWatch
{
    /// <summary>
    /// Watches the collection at <paramref name="path"/> (relative to the API server, e.g. <c>api/v1/events</c>) from
    /// <paramref name="resourceVersion"/> with bookmarks, until the server ends the stream (at the latest after
    /// <paramref name="timeoutSeconds"/>). A refused request and an ERROR event throw the same typed exception
    /// (410 Gone is <see cref="ResourceVersionGoneException"/> either way).
    /// </summary>
    /// <param name="client">A client made from a <see cref="KubernetesClientConfiguration"/> (a <see cref="Kubernetes"/>).</param>
    /// <param name="path">The collection's path.</param>
    /// <param name="resourceVersion">Where to start; events after it are delivered.</param>
    /// <param name="timeoutSeconds">How long the server keeps the watch open.</param>
    /// <param name="fieldSelector">Optional field selector.</param>
    /// <param name="operation">What the watch is, for error messages (e.g. <c>watch trainingruns</c>).</param>
    /// <param name="cancellationToken">Ends the watch.</param>
    public static async IAsyncEnumerable<(WatchEventType Type, JsonElement Object)> StreamAsync(IKubernetes client, string path, string resourceVersion,
        int timeoutSeconds, string? fieldSelector, string operation, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = new StringBuilder("?watch=true&allowWatchBookmarks=true");
        query.Append("&resourceVersion=").Append(Uri.EscapeDataString(resourceVersion));
        query.Append("&timeoutSeconds=").Append(timeoutSeconds);
        if (fieldSelector is not null)
        {
            query.Append("&fieldSelector=").Append(Uri.EscapeDataString(fieldSelector));
        }

        var events = ReadAsync(client, path + query, cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (events.ConfigureAwait(false))
        {
            while (true)
            {
                try
                {
                    if (!await events.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (HttpOperationException refused)
                {
                    // The watch request itself was refused, e.g. 410 for a resourceVersion the server no longer has.
                    throw KubernetesApiException.From(refused, operation);
                }

                var (type, item) = events.Current;
                if (Typed(type, item, operation) is { } known)
                {
                    yield return (known, item);
                }
            }
        }
    }

    /// <summary>
    /// The events of a watch request (<paramref name="pathAndQuery"/> with <c>watch=true</c>) as the server sends them,
    /// ERROR events included; a refused request throws <see cref="HttpOperationException"/>, as the client's own calls do.
    /// </summary>
    public static async IAsyncEnumerable<(string Type, JsonElement Object)> ReadAsync(IKubernetes client, string pathAndQuery,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (client is not Kubernetes kubernetes)
        {
            throw new NotSupportedException($"Watching needs a client made from a kubeconfig ({nameof(Kubernetes)}), not a {client.GetType().Name}.");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Root(kubernetes.BaseUri), pathAndQuery));
        if (kubernetes.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        using var response = await kubernetes.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpOperationException($"Operation returned an invalid status code '{response.StatusCode}'")
            {
                Request = new HttpRequestMessageWrapper(request, ""),
                Response = new HttpResponseMessageWrapper(response, body),
            };
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() ?? "" : "";
                yield return (type, root.TryGetProperty("object", out var o) ? o.Clone() : default);
            }
        }
    }

    /// <summary>The event's type; null for one this client does not know. An ERROR event throws its Status, typed.</summary>
    private static WatchEventType? Typed(string type, JsonElement item, string operation) => type switch
    {
        "ADDED" => WatchEventType.Added,
        "MODIFIED" => WatchEventType.Modified,
        "DELETED" => WatchEventType.Deleted,
        "BOOKMARK" => WatchEventType.Bookmark,
        "ERROR" => throw StatusError(item, operation),
        _ => null,
    };

    /// <summary>The typed exception for an ERROR event's Status.</summary>
    private static KubernetesApiException StatusError(JsonElement status, string operation)
    {
        var code = status.ValueKind == JsonValueKind.Object && status.TryGetProperty("code", out var c) && c.TryGetInt32(out var number) ? number : 500;
        var detail = status.ValueKind == JsonValueKind.Object && status.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String
            ? m.GetString()
            : ((HttpStatusCode)code).ToString();
        var message = $"{operation}: {detail}";
        return (HttpStatusCode)code switch
        {
            HttpStatusCode.Gone => new ResourceVersionGoneException(message),
            HttpStatusCode.NotFound => new ResourceNotFoundException(message),
            _ => new KubernetesApiException((HttpStatusCode)code, message),
        };
    }

    /// <summary>The server's root with a trailing slash, so a relative path keeps any prefix the kubeconfig's server URL has.</summary>
    private static Uri Root(Uri baseUri) =>
        baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/");
}
