using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Operator.Vast.Http;

/// <summary>Logs every attempt as method, path, status and duration: nothing else, so no header can leak.</summary>
/// <remarks>
/// It replaces HttpClientFactory's default request logging, whose trace-level header entries carry the
/// raw header values in their structured state (the redaction applies to the message text only).
/// </remarks>
internal sealed class VastRequestLogger(ILogger<VastRequestLogger> logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var path = request.RequestUri?.AbsolutePath ?? "";
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            logger.RequestAnswered(request.Method.Method, path, (int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            logger.RequestFailed(request.Method.Method, path, exception.GetType().Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            throw;
        }
    }
}
