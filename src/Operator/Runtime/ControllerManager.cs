using k8s;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Runtime;

/// <summary>
/// Runs every <see cref="IRunnable"/> only while this replica holds the leader Lease. On losing it, in-flight work is
/// cancelled at once (no shutdown grace) and <see cref="ILeadershipLossHandler"/> ends the process (exit code 1) so
/// the Deployment restarts it as a fresh candidate, as controller-runtime does. A host shutdown (SIGTERM) instead
/// lets in-flight work finish within its grace. Correctness never relies on <c>IsLeader</c>.
/// </summary>
public sealed class ControllerManager(
    IKubernetes client,
    IEnumerable<IRunnable> runnables,
    IOptions<LeaderElectionOptions> options,
    ILeadershipLossHandler onLost,
    ILogger<ControllerManager> logger,
    TimeProvider? time = null) : BackgroundService
{
    private readonly IReadOnlyList<IRunnable> _runnables = runnables.ToList();
    private volatile bool _leading;

    /// <summary>This replica's identity in the Lease.</summary>
    public string Identity { get; } = options.Value.Identity ?? $"{Environment.GetEnvironmentVariable("HOSTNAME") ?? Environment.MachineName}-{Guid.NewGuid():N}"[..^24];

    /// <summary>Whether this replica currently runs the controllers.</summary>
    public bool IsLeading => _leading;

    /// <summary>Ready when standing by for the leader Lease, or when running with every runnable ready (without leader election, always the latter).</summary>
    public bool IsReady => !NotReady.Any();

    /// <summary>Names of runnables that are not ready yet.</summary>
    public IEnumerable<string> NotReady => _leading || !options.Value.Enabled ? _runnables.Where(r => !r.IsReady).Select(r => r.Name) : [];

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            await RunAllAsync(stoppingToken, CancellationToken.None).ConfigureAwait(false);
            return;
        }

        var leaseNamespace = settings.LeaseNamespace ?? PodNamespace() ?? "default";
        var elector = new LeaseElector(client, leaseNamespace, settings, Identity, time ?? TimeProvider.System);
        using var leadership = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        using var lost = new CancellationTokenSource();
        Task running = Task.CompletedTask;
        void StartedLeading()
        {
            _leading = true;
            RuntimeLog.BecameLeader(logger, Identity);
            running = Task.Run(() => RunAllAsync(leadership.Token, lost.Token), CancellationToken.None);
        }

        try
        {
            await elector.RunUntilLeadershipLostAsync(StartedLeading, leader => RuntimeLog.NewLeader(logger, Identity, leader), stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: the controllers still get their grace period below to finish in-flight work.
        }

        var lostLeadership = !stoppingToken.IsCancellationRequested;
        _leading = false;
        if (!lostLeadership)
        {
            await leadership.CancelAsync().ConfigureAwait(false);
            await running.ConfigureAwait(false);

            // Handed back only once the work has finished, so a standby never reconciles beside it.
            using var releasing = new CancellationTokenSource(settings.RenewDeadline);
            await elector.ReleaseAsync(releasing.Token).ConfigureAwait(false);
            return;
        }

        // Lost: another replica may lead within one lease duration, so in-flight reconciles are cancelled now rather
        // than after the shutdown grace, and the process is told to exit before they have even returned.
        await lost.CancelAsync().ConfigureAwait(false);
        await leadership.CancelAsync().ConfigureAwait(false);
        RuntimeLog.LostLeadership(logger, Identity);
        onLost.OnLeadershipLost();
        await running.ConfigureAwait(false);
    }

    private async Task RunAllAsync(CancellationToken stopping, CancellationToken aborting)
    {
        _leading = true;
        await Task.WhenAll(_runnables.Select(r => r.RunAsync(stopping, aborting))).ConfigureAwait(false);
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
    /// <summary>Called once, as soon as in-flight work has been told to cancel (without waiting for it to return).</summary>
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
