using k8s;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LoraTrainer.Webhook.Health;

/// <summary>
/// Ready when the Kubernetes API answers this process's credentials: without it no signature can be checked and no
/// event recorded, so traffic is better sent to a replica that can.
/// </summary>
/// <remarks>
/// Asks for <c>/version</c>, which every authenticated identity may read, so it needs no RBAC rule of its own yet fails
/// on a wrong or expired service-account token. An answer is reused for <see cref="CacheFor"/>, so probes from
/// several sources cost the API server at most one request per period.
/// </remarks>
internal sealed class KubernetesReadinessCheck(IKubernetes client, TimeProvider time) : IHealthCheck
{
    /// <summary>How long one answer is reused.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    /// <summary>How long the API server gets to answer.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private volatile Answer? _last;

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (_last is { } last && now - last.At < CacheFor)
        {
            return last.Result;
        }

        var result = await AskAsync(cancellationToken).ConfigureAwait(false);
        _last = new Answer(result, now);
        return result;
    }

    private async Task<HealthCheckResult> AskAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var version = await client.Version.GetCodeAsync(linked.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Kubernetes API {version.GitVersion} reachable");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException or k8s.Autorest.HttpOperationException or IOException)
        {
            return HealthCheckResult.Unhealthy($"the Kubernetes API did not answer: {ex.GetType().Name}");
        }
    }

    private sealed record Answer(HealthCheckResult Result, DateTimeOffset At);
}
