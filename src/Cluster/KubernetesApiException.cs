using System.Net;
using k8s.Autorest;

namespace LoraTrainer.Cluster;

/// <summary>A refusal from the API server, typed by what the caller should do about it.</summary>
public class KubernetesApiException(HttpStatusCode statusCode, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The HTTP status the server answered.</summary>
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>
    /// Maps a client exception to its typed form; other exceptions are returned unchanged. A 422 answering a JSON
    /// patch whose <c>test</c> failed (the guard on the resourceVersion or a list entry) is a conflict: the object
    /// changed since it was read, exactly what a 409 says for a merge patch.
    /// </summary>
    public static Exception From(Exception exception, string operation)
    {
        if (exception is not HttpOperationException http)
        {
            return exception;
        }

        var code = http.Response.StatusCode;
        var detail = ServerMessage(http) ?? code.ToString();
        var message = $"{operation}: {detail}";
        return code switch
        {
            HttpStatusCode.NotFound => new ResourceNotFoundException(message, http),
            HttpStatusCode.Conflict => new ResourceConflictException(message, http),
            HttpStatusCode.Gone => new ResourceVersionGoneException(message, http),
            HttpStatusCode.UnprocessableEntity when IsFailedPatchTest(http) => new ResourceConflictException(message, http),
            HttpStatusCode.UnprocessableEntity => new ResourceInvalidException(message, http),
            _ => new KubernetesApiException(code, message, http),
        };
    }

    /// <summary>Whether the Status says a JSON patch <c>test</c> failed: in its message (as some servers put it) or in a cause (as the apiserver does).</summary>
    private static bool IsFailedPatchTest(HttpOperationException http)
    {
        const string failedTest = "test failed";
        var content = http.Response.Content;
        if (string.IsNullOrEmpty(content) || !content.Contains(failedTest, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(content);
            var status = document.RootElement;
            if (Mentions(status, "message", failedTest))
            {
                return true;
            }

            return status.TryGetProperty("details", out var details) && details.ValueKind == System.Text.Json.JsonValueKind.Object
                && details.TryGetProperty("causes", out var causes) && causes.ValueKind == System.Text.Json.JsonValueKind.Array
                && causes.EnumerateArray().Any(cause => Mentions(cause, "message", failedTest));
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static bool Mentions(System.Text.Json.JsonElement element, string property, string text) =>
        element.ValueKind == System.Text.Json.JsonValueKind.Object && element.TryGetProperty(property, out var value)
        && value.ValueKind == System.Text.Json.JsonValueKind.String && value.GetString()!.Contains(text, StringComparison.OrdinalIgnoreCase);

    private static string? ServerMessage(HttpOperationException http)
    {
        var content = http.Response.Content;
        if (string.IsNullOrEmpty(content))
        {
            return null;
        }

        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(content);
            return document.RootElement.TryGetProperty("message", out var message) ? message.GetString() : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}

/// <summary>404: the object does not exist (any more).</summary>
public sealed class ResourceNotFoundException(string message, Exception? inner = null)
    : KubernetesApiException(HttpStatusCode.NotFound, message, inner);

/// <summary>409 (or a 422 for a failed JSON patch <c>test</c>): the object changed since it was read, or already exists. Re-read and try again.</summary>
public sealed class ResourceConflictException(string message, Exception? inner = null)
    : KubernetesApiException(HttpStatusCode.Conflict, message, inner);

/// <summary>410: the resourceVersion is too old for a watch; list again.</summary>
public sealed class ResourceVersionGoneException(string message, Exception? inner = null)
    : KubernetesApiException(HttpStatusCode.Gone, message, inner);

/// <summary>422: the server refused the content (schema, an impossible patch).</summary>
public sealed class ResourceInvalidException(string message, Exception? inner = null)
    : KubernetesApiException(HttpStatusCode.UnprocessableEntity, message, inner);
