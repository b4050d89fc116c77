using System.Text.Json;
using LoraTrainer.Operator.Vast.Http;
using Polly.Timeout;
using Refit;

namespace LoraTrainer.Operator.Vast;

/// <summary>Vast's error answer: JSON <c>{"error","msg"}</c>, JSON <c>{"detail"}</c>, or plain text (429s).</summary>
internal sealed record VastErrorBody(string? Error, string? Msg, long? NewContract)
{
    /// <summary>True for <c>no_such_ask</c>: the offer was taken.</summary>
    public bool IsNoSuchAsk => Error == "no_such_ask" || Msg?.Contains("no_such_ask", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>True when the body says the key was rejected (the search endpoint says so with a 404).</summary>
    public bool IsAuthError => Error == "auth_error" || Msg?.Contains("Invalid user key", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>Reads an error body of any of Vast's shapes.</summary>
    public static VastErrorBody Parse(string? content)
    {
        var text = content?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return new(null, null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                var root = document.RootElement;
                return new(Text(root, "error"), Text(root, "msg") ?? Text(root, "detail") ?? Text(root, "message"), Number(root, "new_contract"));
            }
        }
        catch (JsonException)
        {
            // Plain text, as Vast's rate limiter answers.
        }

        return new(null, text.Length > 300 ? text[..300] : text, null);
    }

    /// <inheritdoc />
    public override string ToString() => (Error, Msg) switch
    {
        (null, null) => "(no details)",
        (null, var msg) => msg!,
        (var error, null) => error!,
        var (error, msg) => $"{error}: {msg}",
    };

    private static string? Text(JsonElement root, string name) => root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
        ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
        : null;

    private static long? Number(JsonElement root, string name) => root.TryGetProperty(name, out var value) switch
    {
        true when value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) => number,
        true when value.ValueKind == JsonValueKind.String && long.TryParse(value.GetString(), out var parsed) => parsed,
        _ => null,
    };
}

/// <summary>Helpers shared by the client's error handling.</summary>
internal static class VastErrors
{
    /// <summary>Whether an exception means no answer arrived (as opposed to a bug or a cancellation by the caller).</summary>
    public static bool IsTransport(Exception exception) =>
        exception is ApiRequestException or HttpRequestException or TimeoutRejectedException or OperationCanceledException;

    /// <summary>A short, key-free description of a transport failure.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        ApiRequestException { InnerException: { } inner } => Describe(inner),
        TimeoutRejectedException => "timed out",
        OperationCanceledException => "timed out",
        HttpRequestException http => http.HttpRequestError == HttpRequestError.Unknown ? http.Message : $"{http.HttpRequestError}: {http.Message}",
        _ => exception.Message,
    };

    /// <summary>The exception for a call that got no answer after every retry.</summary>
    public static VastApiException Unreachable(VastEndpoint endpoint, Exception exception)
    {
        ThrowIfKeyProblem(exception);
        return new($"Vast did not answer {Name(endpoint)}: {Describe(exception)}", endpoint, null, null, isTransient: true, exception);
    }

    /// <summary>
    /// Rethrows a key that could not be read or is empty: the HTTP pipeline reads the key per request, and Refit wraps
    /// what the pipeline throws as a failed request, which would otherwise read as Vast not answering.
    /// </summary>
    public static void ThrowIfKeyProblem(Exception exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is VastAuthenticationException keyProblem)
            {
                throw keyProblem;
            }
        }
    }

    /// <summary>A human name of an endpoint for messages.</summary>
    public static string Name(VastEndpoint endpoint) => endpoint switch
    {
        VastEndpoint.Search => "the offer search",
        VastEndpoint.Create => "the instance creation",
        VastEndpoint.Show => "the instance read",
        VastEndpoint.Label => "the instance label change",
        VastEndpoint.List => "the instance listing",
        VastEndpoint.Destroy => "the instance destruction",
        _ => "a request",
    };
}
