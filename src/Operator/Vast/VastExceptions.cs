using LoraTrainer.Operator.Vast.Http;

namespace LoraTrainer.Operator.Vast;

/// <summary>A Vast call failed; the message is safe for status and logs (it never carries a key).</summary>
internal class VastApiException(string message, VastEndpoint endpoint, int? statusCode, string? errorCode, bool isTransient, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The endpoint that failed.</summary>
    public VastEndpoint Endpoint { get; } = endpoint;

    /// <summary>The HTTP status, when an answer arrived.</summary>
    public int? StatusCode { get; } = statusCode;

    /// <summary>Vast's <c>error</c> code, e.g. <c>invalid_args</c>.</summary>
    public string? ErrorCode { get; } = errorCode;

    /// <summary>True when trying again later may succeed (timeouts, 5xx, 429 after every retry).</summary>
    public bool IsTransient { get; } = isTransient;
}

/// <summary>Vast rejected the API key, or none is configured. Retrying does not help until the key is fixed.</summary>
internal sealed class VastAuthenticationException(string message, string keySource)
    : VastApiException(message, VastEndpoint.Other, 401, "auth_error", isTransient: false)
{
    /// <summary>Where the rejected key came from, e.g. <c>secret ml-team/vast</c>.</summary>
    public string KeySource { get; } = keySource;
}
