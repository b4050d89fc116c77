using System.Diagnostics;
using k8s;
using LoraTrainer.Testing.Kubernetes;
using LoraTrainer.Testing.Processes;
using LoraTrainer.Webhook;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.Testing.World;

/// <summary>
/// The real webhook receiver (<see cref="ReceiverApplication"/>) on 127.0.0.1 against the Kubernetes API fake, without
/// console logs; its services hold the fake, for a test that makes its own client. A restart keeps its port, as a Service keeps its address, so agents that retry reach the new process.
/// With <see cref="Executable"/> set (the published Native AOT receiver, <see cref="NativePrograms.Receiver"/>), a
/// start runs that program instead, configured through its environment with the settings the world gives it.
/// </summary>
internal sealed class ReceiverHost(FakeKubeApiServer kube, Action<WebApplicationBuilder> configure) : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private readonly OutputTail _output = new(lines: 60);
    private WebApplication? _app;
    private Process? _process;

    /// <summary>The receiver's base URL as GPU hosts reach it.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>A published receiver program to run as its own process from the next start on; null runs it in this process.</summary>
    public string? Executable { get; set; }

    /// <summary>The receiver process, when <see cref="Executable"/> runs.</summary>
    public Process? Process => _process;

    /// <summary>The running receiver's services (in this process only).</summary>
    public IServiceProvider Services => _app?.Services ?? throw new InvalidOperationException("the receiver is stopped, or runs as its own process");

    public async Task StartAsync()
    {
        if (Executable is not null)
        {
            await StartProcessAsync(Executable);
            return;
        }

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

    /// <summary>The last lines the receiver process printed, for failure messages.</summary>
    public string Output() => _output.Text();

    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            process.Dispose();
            _process = null;
        }

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

    private async Task StartProcessAsync(string executable)
    {
        BaseUrl ??= DotnetProgram.FreeLoopbackUrl();
        var kubeconfig = await kube.WriteKubeconfigAsync(Path.Combine(Path.GetTempPath(), $"receiver-{Guid.NewGuid():N}", "kubeconfig"));
        var environment = Settings();
        environment["Receiver__Kubeconfig"] = kubeconfig;
        environment["Logging__LogLevel__Default"] = "Warning";
        var process = System.Diagnostics.Process.Start(DotnetProgram.NativeStartInfo(executable, BaseUrl, environment))
            ?? throw new InvalidOperationException("the receiver did not start");
        _output.Follow(process);
        _process = process;
        await DotnetProgram.WaitForReadyAsync(process, BaseUrl, "receiver", ReadyTimeout, Output, () => process.Kill(entireProcessTree: true), CancellationToken.None);
    }

    /// <summary>The settings the world's configuration adds to a receiver, as environment variables (services it adds cannot cross).</summary>
    private Dictionary<string, string?> Settings()
    {
        var builder = WebApplication.CreateBuilder();
        var before = builder.Configuration.AsEnumerable().ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        configure(builder);
        return builder.Configuration.AsEnumerable()
            .Where(p => p.Value is not null && (!before.TryGetValue(p.Key, out var old) || old != p.Value))
            .ToDictionary(p => p.Key.Replace(":", "__", StringComparison.Ordinal), p => p.Value, StringComparer.Ordinal);
    }
}
