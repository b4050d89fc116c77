using k8s;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Webhook;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Testing.World;

/// <summary>
/// The real webhook receiver (<see cref="ReceiverApplication"/>) on 127.0.0.1 against the Kubernetes API fake, without
/// console logs; its services hold the fake, for a test that makes its own client. A restart keeps its port, as a Service keeps its address, so agents that retry reach the new process.
/// </summary>
internal sealed class ReceiverHost(FakeKubeApiServer kube, Action<WebApplicationBuilder> configure) : IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The receiver's base URL as GPU hosts reach it.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The running receiver's services.</summary>
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("the receiver is stopped");

    public async Task StartAsync()
    {
        _app = ReceiverApplication.Create([], builder =>
        {
            builder.WebHost.UseUrls(BaseUrl is null ? "http://127.0.0.1:0" : BaseUrl.ToString());
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton(kube);
            builder.Services.AddSingleton<IKubernetes>(_ => kube.CreateClient());
            configure(builder);
        });
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
