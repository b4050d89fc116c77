namespace LoraTrainer.Operator.Runtime;

/// <summary>Counts every Kubernetes API request by verb and status code (watches included, counted when they start).</summary>
internal sealed class ApiRequestMetricsHandler(RuntimeMetrics metrics) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var verb = Verb(request);
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            metrics.ApiRequest(verb, (int)response.StatusCode);
            return response;
        }
        catch (HttpRequestException)
        {
            metrics.ApiRequest(verb, 0);
            throw;
        }
    }

    /// <summary>The Kubernetes verb: a GET with <c>watch=true</c> is a watch, other GETs are get or list.</summary>
    private static string Verb(HttpRequestMessage request)
    {
        var method = request.Method.Method;
        var query = request.RequestUri?.Query ?? "";
        return method switch
        {
            "GET" when query.Contains("watch=true", StringComparison.OrdinalIgnoreCase) => "watch",
            "GET" => "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => method.ToLowerInvariant(),
        };
    }
}
