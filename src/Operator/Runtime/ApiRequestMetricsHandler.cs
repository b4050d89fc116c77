using System.Globalization;
using k8s;

namespace LoraTrainer.Operator.Runtime;

/// <summary>
/// Counts every Kubernetes API request by verb (list, watch, get, create, update, patch, delete, deletecollection)
/// and status code, and owns the request timeout so that a timeout is counted as such (code <c>timeout</c>; code
/// <c>0</c> is a request that got no answer for another reason). Watches are counted when they start and never time
/// out here: the server ends them.
/// </summary>
internal sealed class ApiRequestMetricsHandler(RuntimeMetrics metrics, TimeSpan timeout, TimeProvider time) : DelegatingHandler
{
    /// <summary>
    /// A client whose requests go through this handler. The configuration's <c>HttpClientTimeout</c> becomes this
    /// handler's timeout (the client's own is switched off, or it would fire first and hide which it was).
    /// </summary>
    public static Kubernetes CreateClient(KubernetesClientConfiguration configuration, RuntimeMetrics metrics, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var timeout = configuration.HttpClientTimeout;
        configuration.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        return new Kubernetes(configuration, new ApiRequestMetricsHandler(metrics, timeout, time));
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var verb = Verb(request.Method, request.RequestUri);
        var bounded = verb != "watch" && timeout != Timeout.InfiniteTimeSpan;
        using var deadline = new CancellationTokenSource(bounded ? timeout : Timeout.InfiniteTimeSpan, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        HttpResponseMessage? response = null;
        try
        {
            response = await base.SendAsync(request, linked.Token).ConfigureAwait(false);
            if (bounded)
            {
                // The body belongs to the answer: one held back past the timeout is a timeout too.
                await response.Content.LoadIntoBufferAsync(linked.Token).ConfigureAwait(false);
            }

            metrics.ApiRequest(verb, ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
            return response;
        }
        catch (OperationCanceledException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            response?.Dispose();
            metrics.ApiRequest(verb, "timeout");
            var message = $"The Kubernetes API did not answer {request.Method} {request.RequestUri?.AbsolutePath} within {timeout.TotalSeconds:0.###}s.";
            throw new TaskCanceledException(message, new TimeoutException(message, ex));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            response?.Dispose();
            metrics.ApiRequest(verb, "0");
            throw;
        }
    }

    /// <summary>
    /// The Kubernetes verb of a request: a GET with <c>watch=true</c> is a watch, a GET of a collection a list, of a
    /// named object (or anything else, e.g. discovery) a get; a DELETE of a collection is a deletecollection.
    /// </summary>
    public static string Verb(HttpMethod method, Uri? uri)
    {
        var query = uri?.Query ?? "";
        var watch = query.Contains("watch=true", StringComparison.OrdinalIgnoreCase) || query.Contains("watch=1", StringComparison.Ordinal);
        var collection = IsCollection(uri?.AbsolutePath ?? "/", out var legacyWatch);
        return method.Method switch
        {
            "GET" when watch || legacyWatch => "watch",
            "GET" => collection ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => collection ? "deletecollection" : "delete",
            _ => method.Method.ToLowerInvariant(),
        };
    }

    /// <summary>Whether the path names a collection (<c>…/{plural}</c>) rather than one object (<c>…/{plural}/{name}[/{subresource}]</c>).</summary>
    private static bool IsCollection(string path, out bool legacyWatch)
    {
        legacyWatch = false;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var prefix = segments switch
        {
            ["api", _, ..] => 2,
            ["apis", _, _, ..] => 3,
            _ => -1,
        };
        if (prefix < 0 || segments.Length == prefix)
        {
            return false;
        }

        var rest = segments.AsSpan(prefix);
        if (rest[0] == "watch")
        {
            legacyWatch = true;
            rest = rest[1..];
        }

        // namespaces/{ns}/{plural}/… is a namespaced resource; namespaces and namespaces/{name} are the Namespaces themselves.
        if (rest.Length >= 3 && rest[0] == "namespaces")
        {
            rest = rest[2..];
        }

        return rest.Length == 1;
    }
}
