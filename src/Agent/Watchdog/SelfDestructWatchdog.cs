using LoraTrainer.Agent.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Agent.Watchdog;

/// <summary>
/// The last line of defence against a bill. Every <see cref="AgentOptions.WatchdogInterval"/> it asks
/// <see cref="WatchdogDecision"/> whether the receiver has been silent for <see cref="AgentOptions.SelfDestructWindow"/>
/// or the run's deadline or budget has passed; when so, it stops the run, uploads the best epoch so far, destroys the
/// instance through Vast's per-instance key, and lets the agent exit.
/// </summary>
/// <remarks>
/// The operator normally destroys instances itself; this covers the cases where it cannot (operator down, receiver
/// unreachable, cluster gone), which would otherwise leave a GPU billing until someone notices.
/// </remarks>
internal sealed class SelfDestructWatchdog(
    WatchdogLedger ledger,
    RunStop stop,
    BestEpochSalvage salvage,
    VastSelfDestruct vast,
    IOptions<AgentOptions> options,
    TimeProvider time,
    ILogger<SelfDestructWatchdog> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WatchdogVerdict? _verdict;
    private bool _standDown;

    /// <summary>Why the watchdog fired; null while it has not.</summary>
    public WatchdogVerdict? Verdict
    {
        get { lock (_gate) return _verdict; }
    }

    /// <summary>
    /// Called when the run is over. A run that ended normally stands the watchdog down and keeps its exit code. When the
    /// watchdog fired, or the run gave up on an unreachable receiver on Vast (it then fires once the window has passed),
    /// this waits for the self-destruct to finish and returns <see cref="ExitCodes.SelfDestructed"/>.
    /// </summary>
    public async Task<int> SettleAsync(int exitCode, CancellationToken cancellationToken)
    {
        bool fired;
        lock (_gate)
        {
            fired = _verdict is not null;
            // Off Vast there is no instance to destroy, so an agent that gave up on its receiver just exits.
            _standDown = !fired && (exitCode != ExitCodes.ReceiverUnreachable || !vast.OnVast);
            if (_standDown)
            {
                return exitCode;
            }
        }

        if (!fired)
        {
            WatchdogLog.WaitingForWindow(logger, options.Value.SelfDestructWindow, ledger.LastContact + options.Value.SelfDestructWindow);
        }

        try
        {
            await _finished.Task.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return exitCode;
        }

        return Verdict is null ? exitCode : ExitCodes.SelfDestructed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (vast.OnVast)
            {
                WatchdogLog.Armed(logger, options.Value.ContainerId!.Trim(), options.Value.SelfDestructWindow);
            }
            else
            {
                WatchdogLog.NotOnVast(logger);
            }

            using var timer = new PeriodicTimer(options.Value.WatchdogInterval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var verdict = WatchdogDecision.Decide(time.GetUtcNow(), ledger.LastContact, ledger.Config?.Limits, options.Value.SelfDestructWindow);
                if (verdict is not null && TryFire(verdict))
                {
                    await SelfDestructAsync(verdict, stoppingToken);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping: the run ended and needs no self-destruct.
        }
        catch (Exception ex)
        {
            // Training goes on without the watchdog rather than the host stopping over it.
            WatchdogLog.Crashed(logger, ex);
        }
        finally
        {
            _finished.TrySetResult();
        }
    }

    private bool TryFire(WatchdogVerdict verdict)
    {
        lock (_gate)
        {
            if (_standDown || _verdict is not null)
            {
                return false;
            }

            _verdict = verdict;
            return true;
        }
    }

    private async Task SelfDestructAsync(WatchdogVerdict verdict, CancellationToken cancellationToken)
    {
        var onVast = vast.OnVast;
        WatchdogLog.Fired(logger, verdict.Reason, onVast ? "destroying the instance" : "exiting (not on Vast: nothing to destroy)");
        try
        {
            stop.Request($"The agent's watchdog stopped the run: {verdict.Reason}. It uploads the best epoch saved so far and "
                + (onVast ? "destroys its instance." : "exits."));
        }
        catch (AggregateException ex)
        {
            // Something stopping with the run failed; the instance is destroyed all the same.
            WatchdogLog.StopFailed(logger, ex);
        }

        await salvage.UploadAsync(cancellationToken);
        await vast.DestroyAsync(cancellationToken);
    }
}
