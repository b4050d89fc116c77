using Microsoft.Extensions.Hosting;

namespace LoraTrainer.Testing.Hosting;

/// <summary>A host lifetime that leaves process signals alone: the fake lives inside a test host or a command
/// that decides itself when to stop, so it must not swallow SIGTERM or Ctrl+C as the console lifetime does.</summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
