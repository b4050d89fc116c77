using k8s.LeaderElection.ResourceLock;
using k8s.LeaderElection;
using k8s;
using LoraTrainer.Cluster;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Runtime;

/// <summary>
/// Runs every <see cref="IRunnable"/> only while this replica holds the leader Lease. On losing it, runnables are
/// cancelled at once and <see cref="ILeadershipLossHandler"/> ends the process (exit code 1) so the Deployment
/// restarts it as a fresh candidate, as controller-runtime does. Correctness never relies on <c>IsLeader</c>.
/// </summary>
public sealed class ControllerManager(
    IKubernetes client,
    IEnumerable<IRunnable> runnables,
    IOptions<LeaderElectionOptions> options,
    ILeadershipLossHandler onLost,
    ILogger<ControllerManager> logger) : BackgroundService
{
    private readonly IReadOnlyList<IRunnable> _runnables = runnables.ToList();
    private volatile bool _leading;

    /// <summary>This replica's identity in the Lease.</summary>
    public string Identity { get; } = options.Value.Identity ?? $"{Environment.GetEnvironmentVariable("HOSTNAME") ?? Environment.MachineName}-{Guid.NewGuid():N}"[..^24];

    /// <summary>Whether this replica currently runs the controllers.</summary>
    public bool IsLeading => _leading;

    /// <summary>Ready when standing by, or when leading and every runnable is ready.</summary>
    public bool IsReady => !_leading || _runnables.All(r => r.IsReady);

    /// <summary>Names of runnables that are not ready yet.</summary>
    public IEnumerable<string> NotReady => _leading ? _runnables.Where(r => !r.IsReady).Select(r => r.Name) : [];

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            await RunAllAsync(stoppingToken).ConfigureAwait(false);
            return;
        }

        var leaseNamespace = settings.LeaseNamespace ?? PodNamespace() ?? "default";
        var lease = new LeaseLock(client, leaseNamespace, settings.LeaseName, Identity);
        using var elector = new LeaderElector(new LeaderElectionConfig(lease)
        {
            LeaseDuration = settings.LeaseDuration,
            RenewDeadline = settings.RenewDeadline,
            RetryPeriod = settings.RetryPeriod,
        });

        using var leadership = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        Task running = Task.CompletedTask;
        elector.OnStartedLeading += () =>
        {
            _leading = true;
            RuntimeLog.BecameLeader(logger, Identity);
            running = Task.Run(() => RunAllAsync(leadership.Token), CancellationToken.None);
        };
        elector.OnNewLeader += leader => RuntimeLog.NewLeader(logger, Identity, leader);

        try
        {
            await elector.RunUntilLeadershipLostAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the controllers still get their grace period below to finish in-flight work.
        }

        var lost = !stoppingToken.IsCancellationRequested;
        _leading = false;
        await leadership.CancelAsync().ConfigureAwait(false);
        await running.ConfigureAwait(false);
        if (lost)
        {
            RuntimeLog.LostLeadership(logger, Identity);
            onLost.OnLeadershipLost();
        }
    }

    private async Task RunAllAsync(CancellationToken cancellationToken)
    {
        _leading = true;
        await Task.WhenAll(_runnables.Select(r => r.RunAsync(cancellationToken))).ConfigureAwait(false);
    }

    private static string? PodNamespace()
    {
        const string path = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
        return File.Exists(path) ? File.ReadAllText(path).Trim() : Environment.GetEnvironmentVariable("POD_NAMESPACE");
    }
}

/// <summary>What to do when leadership is lost.</summary>
public interface ILeadershipLossHandler
{
    /// <summary>Called once after the controllers have stopped.</summary>
    void OnLeadershipLost();
}

/// <summary>Ends the process with exit code 1 so the Deployment restarts this replica as a fresh candidate.</summary>
public sealed class ExitOnLeadershipLoss(IHostApplicationLifetime lifetime) : ILeadershipLossHandler
{
    /// <inheritdoc />
    public void OnLeadershipLost()
    {
        Environment.ExitCode = 1;
        lifetime.StopApplication();
    }
}
