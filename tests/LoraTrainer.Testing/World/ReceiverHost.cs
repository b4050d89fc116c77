using k8s;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Webhook;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Testing.World;

/// <summary>
/// The real webhook receiver on 127.0.0.1. A restart keeps its port, as a Service keeps its address, so agents
/// that retry reach the new process.
/// </summary>
internal sealed class ReceiverHost(FakeKubeApiServer kube) : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The receiver's base URL as GPU hosts reach it.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(BaseUrl is null ? "http://127.0.0.1:0" : BaseUrl.ToString());
        // Progress is written at once, so a test sees every value without waiting for the coalescing window.
        builder.Configuration["Receiver:ProgressWriteInterval"] = "00:00:00";
        builder.Configuration["Receiver:TokenCacheDuration"] = "00:00:01";
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IKubernetes>(_ => kube.CreateClient());
        builder.Services.AddWebhookReceiver();
        _app = builder.Build();
        _app.MapWebhookReceiver();
        await _app.StartAsync();
        BaseUrl = new Uri(_app.Urls.First());
    }

    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
