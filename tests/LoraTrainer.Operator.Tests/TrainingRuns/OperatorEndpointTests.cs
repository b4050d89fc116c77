using System.Net;
using LoraTrainer.Operator.Hosting;
using LoraTrainer.Testing.S3;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Operator.Tests.TrainingRuns;

public sealed class OperatorEndpointTests(S3rverFixture s3) : IClassFixture<S3rverFixture>
{
    [Fact]
    public async Task TheOperatorHost_AnswersProbes_AndExportsRuntimeMetrics()
    {
        var settings = new Dictionary<string, string?>();
        await using var harness = await OperatorHarness.StartAsync(s3.Server, s => { foreach (var (k, v) in s) { settings[k] = v; } });
        await harness.StopOperatorAsync();
        harness.Vast.AddOffers(OperatorHarness.Offer(9001, machine: 90));
        await harness.ApplyRunAsync("metered");

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Services.AddOperator(builder.Configuration, () => harness.Kube.CreateClientConfiguration());
        await using var app = builder.Build();
        app.MapOperatorEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        await harness.WaitForPhaseAsync("metered", Api.TrainingPhase.PendingGpu);

        using var healthz = await http.GetAsync("/healthz", TestContext.Current.CancellationToken);
        using var readyz = await http.GetAsync("/readyz", TestContext.Current.CancellationToken);
        var metrics = await http.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        await app.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readyz.StatusCode);
        Assert.Contains("loratrainer_reconciles_total{controller=\"trainingruns\"", metrics, StringComparison.Ordinal);
        Assert.Contains("loratrainer_kubernetes_requests_total", metrics, StringComparison.Ordinal);
        Assert.Contains("verb=\"patch\"", metrics, StringComparison.Ordinal);
        Assert.Contains("loratrainer_workqueue_depth", metrics, StringComparison.Ordinal);
    }
}
