using LoraTrainer.Protocol;
using Microsoft.AspNetCore.Http;

namespace LoraTrainer.Webhook.Security;

/// <summary>Reads a request body within the size limit and checks its signature against the run's token.</summary>
internal static class SignedRequest
{
    /// <summary>The body, or null when it exceeds <paramref name="maxBytes"/>.</summary>
    public static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Whether the request is signed with <paramref name="token"/> and fresh.</summary>
    public static bool IsValid(HttpRequest request, string? token, ReadOnlySpan<byte> body, DateTimeOffset now) =>
        token is not null && RequestSigner.Verify(
            token,
            request.Headers[RequestSigner.TimestampHeader].FirstOrDefault(),
            request.Headers[RequestSigner.SignatureHeader].FirstOrDefault(),
            request.Method,
            request.Path.Value ?? "",
            body,
            now);
}
