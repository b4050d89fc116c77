using LoraTrainer.Agent.Configuration;
using LoraTrainer.Agent.Running;
using LoraTrainer.Agent.Watchdog;
using LoraTrainer.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent;

/// <summary>Builds the agent's host and runs one attempt; the entry point tests call in-process.</summary>
internal static class AgentHost
{
    /// <summary>Runs the agent and returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    /// <param name="args">Command-line arguments; configuration keys such as <c>--Agent:WorkDirectory=/data</c>.</param>
    /// <param name="configure">Extra configuration sources, added last (tests).</param>
    /// <param name="services">Service overrides, applied after <see cref="AgentServiceCollectionExtensions.AddAgent"/>.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task<int> RunAsync(string[] args, Action<IConfigurationBuilder>? configure = null,
        Action<IServiceCollection>? services = null, CancellationToken cancellationToken = default)
    {
        var builder = Host.CreateApplicationBuilder(args);
        configure?.Invoke(builder.Configuration);
        builder.Services.AddAgent();
        services?.Invoke(builder.Services);

        using var host = builder.Build();

        // Checked before the host starts, so a missing variable is one line (ProgramStart prints it, values never echoed),
        // not a hosting failure with a stack trace.
        _ = host.Services.GetRequiredService<IOptions<AgentOptions>>().Value;
        await host.StartAsync(cancellationToken);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token, host.Services.GetRequiredService<RunStop>().Token);
        var exitCode = await host.Services.GetRequiredService<AgentRun>().RunAsync(linked.Token);
        exitCode = await host.Services.GetRequiredService<SelfDestructWatchdog>().SettleAsync(exitCode, stopping.Token);
        await host.StopAsync(CancellationToken.None);
        return exitCode;
    }
}

/// <summary>The agent's process exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>The best epoch was uploaded and reported.</summary>
    public const int Uploaded = 0;
    /// <summary>The run failed; a <c>failed</c> event says why.</summary>
    public const int Failed = 1;
    /// <summary>Start-up settings (environment) are missing or invalid.</summary>
    public const int BadSettings = ProgramStart.BadSettings;
    /// <summary>The receiver never answered, so nothing could be fetched or reported.</summary>
    public const int ReceiverUnreachable = 3;
    /// <summary>
    /// The watchdog ended the run (the receiver was silent too long, or the run's deadline or budget passed): it
    /// uploaded the best epoch so far and destroyed the instance (off Vast, it only exited).
    /// </summary>
    public const int SelfDestructed = 4;
}
