using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace LoraTrainer.Testing.Kubernetes.Http;

/// <summary>Writes JSON answers the way the apiserver does: <c>application/json</c>, warnings as <c>Warning: 299</c> headers.</summary>
internal static class Responses
{
    public static Task WriteAsync(HttpContext context, int statusCode, JsonNode body, IReadOnlyList<string>? warnings = null) =>
        WriteBytesAsync(context, statusCode, KubeJson.ToUtf8(body), warnings);

    public static async Task WriteBytesAsync(HttpContext context, int statusCode, byte[] body, IReadOnlyList<string>? warnings = null)
    {
        var response = context.Response;
        response.StatusCode = statusCode;
        response.ContentType = "application/json";
        response.ContentLength = body.Length;
        response.Headers.CacheControl = "no-cache, private";
        foreach (var warning in warnings ?? [])
        {
            response.Headers.Append("Warning", $"299 - \"{warning.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }

        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    public static Task WriteStatusAsync(HttpContext context, KubeApiException error) =>
        WriteAsync(context, error.Code, error.ToStatus());
}
