namespace LoraTrainer.Testing.Kubernetes;

/// <summary>One request the fake answered. Bodies and headers are never recorded.</summary>
/// <param name="Time">When the request arrived, by the server's clock.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The request path.</param>
/// <param name="Query">The query string including the leading <c>?</c>, or empty.</param>
/// <param name="StatusCode">The HTTP status answered (0 for a connection reset instead of an answer).</param>
/// <param name="IsWatch">Whether it was a watch (its status is known when the stream starts).</param>
/// <param name="User">The user its bearer token authenticates as (<see cref="FakeKubeApiServerOptions.Users"/>), or null for another token or none.</param>
public sealed record KubeRequestLogEntry(DateTimeOffset Time, string Method, string Path, string Query, int StatusCode, bool IsWatch, string? User = null)
{
    /// <inheritdoc />
    public override string ToString() => $"{Method} {Path}{Query} -> {StatusCode}";
}
