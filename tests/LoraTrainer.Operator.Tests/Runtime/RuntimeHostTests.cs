using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LoraTrainer.Cluster;
using LoraTrainer.Operator.Hosting;
using LoraTrainer.Operator.Runtime;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Civitai;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Operators;
using LoraTrainer.Testing.Vast;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Operator.Tests.Runtime;

/// <summary>The runtime inside a host: readiness over HTTP, and the operator program's log format.</summary>
public sealed class RuntimeHostTests
{
    private const string WidgetList = "/apis/test.loratrainer.io/v1/widgets";

    [Fact]
    public async Task Readyz_Answers503UntilTheInformersHaveSynced_Then200()
    {
        await using var h = await RuntimeHarness.StartAsync();
        h.Kube.FailNextRequests(new RequestMatcher("GET", WidgetList, WatchOnly: false), 100_000, 503);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Operator:LeaderElection:Enabled"] = "false" });
        builder.Services.AddControllerRuntime(() => h.Kube.CreateClientConfiguration());
        builder.Services.AddController<Widget, IdleReconciler>($"ready-{Guid.NewGuid():N}");
        await using var app = builder.Build();
        app.MapOperatorEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        using var before = await http.GetAsync("/readyz", TestContext.Current.CancellationToken);
        await Eventually.UntilAsync(() => h.Kube.RequestLog.Count(e => e.Path == WidgetList && e.StatusCode == 503) >= 2, RuntimeHarness.Patience, "the informer keeps trying to list",
            cancellationToken: TestContext.Current.CancellationToken);
        using var whileFailing = await http.GetAsync("/readyz", TestContext.Current.CancellationToken);
        using var healthz = await http.GetAsync("/healthz", TestContext.Current.CancellationToken);
        h.Kube.ClearFaults();
        var after = await ReadinessOnceSettledAsync(http);
        await app.StopAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, whileFailing.StatusCode);
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task TheOperatorProgram_WritesEveryLogLineAsJson()
    {
        await using var kube = await FakeKubeApiServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        kube.SeedFromPath(RepositoryRoot.Combine("config", "crds"));
        await using var vast = await VastSimulator.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await using var civitai = await CivitaiFake.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var folder = Directory.CreateTempSubdirectory("operator-logs-");
        try
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = AppContext.BaseDirectory,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LoraTrainer.Operator.dll"));
            start.Environment["KUBECONFIG"] = await kube.WriteKubeconfigAsync(Path.Combine(folder.FullName, "kubeconfig"),
                cancellationToken: TestContext.Current.CancellationToken);
            start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
            start.Environment["DOTNET_ENVIRONMENT"] = "Production";
            foreach (var (key, value) in OperatorSettings.ForFakes(new Uri("http://127.0.0.1:9"), vast, new Uri("http://127.0.0.1:9"), civitai, clusterName: "logs"))
            {
                start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }

            var lines = new List<string>();
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    return;
                }

                lock (lines)
                {
                    lines.Add(e.Data);
                }

                if (e.Data.Contains("started with", StringComparison.Ordinal))
                {
                    started.TrySetResult();
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (lines)
                    {
                        lines.Add(e.Data);
                    }
                }
            };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await started.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }

            string[] logged;
            lock (lines)
            {
                logged = [.. lines.Where(l => l.Length > 0)];
            }

            Assert.All(logged, line =>
            {
                using var entry = JsonDocument.Parse(line);
                Assert.True(entry.RootElement.TryGetProperty("LogLevel", out _), $"no LogLevel in {line}");
                Assert.True(entry.RootElement.TryGetProperty("Message", out _), $"no Message in {line}");
            });
            Assert.Contains(logged, l => JsonDocument.Parse(l).RootElement.GetProperty("Message").GetString() == "Controller trainingruns started with 8 workers");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Asks <c>/readyz</c> until it answers 200.</summary>
    private static Task<HttpStatusCode> ReadinessOnceSettledAsync(HttpClient http) =>
        Eventually.UntilAsync(async token =>
        {
            using var response = await http.GetAsync("/readyz", token);
            return response.StatusCode;
        }, status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(10), "/readyz to answer 200", cancellationToken: TestContext.Current.CancellationToken);

    private sealed class IdleReconciler : IReconciler<Widget>
    {
        public Task<ReconcileResult> ReconcileAsync(ResourceKey key, CancellationToken cancellationToken) => Task.FromResult(ReconcileResult.Done);
    }
}
