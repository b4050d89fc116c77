using LoraTrainer.Operator.Hosting;
using LoraTrainer.Testing.Kubernetes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Testing.World;

/// <summary>
/// The real operator's services (<c>AddOperator</c>) hosted in this process against the Kubernetes API fake, so a test
/// can read its services and run it on a FakeTimeProvider. <see cref="RestartAsync"/> is a crash: the new host knows
/// only what is in Kubernetes and at Vast.
/// </summary>
internal sealed class InProcessOperator(FakeKubeApiServer kube, IReadOnlyDictionary<string, string?> settings, InProcessOperatorOptions options) : IAsyncDisposable
{
    private IHost? _host;

    /// <summary>The operator's clock: the system's, or a FakeTimeProvider the test advances to make time pass.</summary>
    public TimeProvider Time => options.Time;

    /// <summary>The running operator's services.</summary>
    public IServiceProvider Services => _host?.Services ?? throw new InvalidOperationException("the operator is not running");

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(options.Time);
        options.Host?.Invoke(builder);
        builder.Services.AddOperator(builder.Configuration, kube.CreateClientConfiguration);
        _host = builder.Build();
        await _host.StartAsync(cancellationToken);
    }

    public async Task StopAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
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
