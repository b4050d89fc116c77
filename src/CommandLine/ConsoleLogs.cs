using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LoraTrainer.CommandLine;

/// <summary>
/// The console log format: one readable line per entry when a person watches a terminal, one JSON object per line
/// when the output goes to a file or a log collector, or as <c>Logging:Format</c> says.
/// </summary>
public static class ConsoleLogs
{
    /// <summary>The setting: <c>json</c>, <c>text</c>, or <c>auto</c> (the default: text on a terminal, JSON otherwise).</summary>
    public const string FormatKey = "Logging:Format";

    /// <summary>How <c>--help</c> lists <see cref="FormatKey"/>.</summary>
    public static Setting Setting { get; } = new(FormatKey, "json, text, or auto: text on a terminal, JSON otherwise (default auto)");

    /// <summary>Chooses the console formatter by <see cref="FormatKey"/>; an unknown value is a <see cref="StartupFailure"/>.</summary>
    public static ILoggingBuilder AddConsoleLogs(this ILoggingBuilder logging, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(logging);
        ArgumentNullException.ThrowIfNull(configuration);
        var format = configuration[FormatKey];
        var json = format?.Trim().ToLowerInvariant() switch
        {
            null or "" or "auto" => Console.IsOutputRedirected,
            "json" => true,
            "text" => false,
            _ => throw new StartupFailure($"{FormatKey} ({Setting.EnvironmentVariable}) must be json, text or auto, not '{format}'."),
        };
        if (json)
        {
            logging.AddJsonConsole();
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
            });
        }

        // Until the host has started, its "Hosting failed to start" entry would repeat, stack trace and all, the failure
        // ProgramStart prints as one line.
        var started = new HostStarted();
        logging.AddFilter(HostCategory, level => level < LogLevel.Error || started.Value);
        logging.Services.AddSingleton<IHostedService>(started);
        return logging;
    }

    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private sealed class HostStarted : IHostedLifecycleService
    {
        public bool Value { get; private set; }

        public Task StartedAsync(CancellationToken cancellationToken)
        {
            Value = true;
            return Task.CompletedTask;
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
