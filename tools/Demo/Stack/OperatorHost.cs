using LoraTrainer.Operator.Hosting;
using LoraTrainer.Testing.Kubernetes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Demo.Stack;

/// <summary>The real operator host (every service, leader election off). A restart is a crash: the new process has no memory.</summary>
internal sealed class OperatorHost(FakeKubeApiServer kube, IReadOnlyDictionary<string, string?> settings) : IAsyncDisposable
{
    private IHost? _host;

    public bool Running => _host is not null;

    public async Task StartAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Services.AddOperator(builder.Configuration, () => kube.CreateClientConfiguration());
        _host = builder.Build();
        await _host.StartAsync();
    }

    /// <summary>Stops the operator without its graceful shutdown window, as a killed pod would.</summary>
    public async Task StopAsync()
    {
        if (_host is not null)
        {
            using (var immediate = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
            {
                try
                {
                    await _host.StopAsync(immediate.Token);
                }
                catch (OperationCanceledException)
                {
                    // A killed process does not finish its work either.
                }
            }

            _host.Dispose();
            _host = null;
        }
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
