using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Prometheus;

namespace LoraTrainer.Operator.Hosting;

/// <summary>The operator's HTTP surface: probes and metrics.</summary>
internal static class OperatorEndpoints
{
    /// <summary>Maps <c>/healthz</c> (the process is alive), <c>/readyz</c> (informers synced, or standing by) and <c>/metrics</c>.</summary>
    public static WebApplication MapOperatorEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapMetrics("/metrics");
        return app;
    }
}
