using System.Globalization;
using LoraTrainer.Agent.Configuration;
using LoraTrainer.Protocol;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent.Reporting;

/// <summary>Signs every request to the receiver with the run token (see <see cref="RequestSigner"/>).</summary>
internal sealed class RequestSigningHandler(IOptions<AgentOptions> options, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var path = request.RequestUri?.AbsolutePath ?? "/";
        request.Headers.Remove(RequestSigner.TimestampHeader);
        request.Headers.Remove(RequestSigner.SignatureHeader);
        request.Headers.TryAddWithoutValidation(RequestSigner.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(RequestSigner.SignatureHeader,
            RequestSigner.Sign(options.Value.RunToken, timestamp, request.Method.Method, path, body));
        return await base.SendAsync(request, cancellationToken);
    }
}
