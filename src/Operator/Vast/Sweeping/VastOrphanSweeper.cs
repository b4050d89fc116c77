using LoraTrainer.Operator.Vast.Instances;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LoraTrainer.Operator.Vast.Sweeping;

/// <summary>Destroys Vast instances labelled for this cluster that no live run claims, every <see cref="VastOptions.SweepInterval"/>.</summary>
/// <remarks>
/// The safety net behind "no leaked instance, ever": a crash between create and the status write, a
/// run deleted while its finalizer was bypassed, a duplicate from a lost create answer. It never touches
/// an instance without this cluster's label, never acts before claims are loaded, and spares instances
/// younger than <see cref="VastOptions.SweepGracePeriod"/>, whose run may not have recorded them yet.
/// </remarks>
internal sealed class VastOrphanSweeper(
    VastProvider vast,
    IInstanceClaims claims,
    IOptionsMonitor<VastOptions> options,
    TimeProvider time,
    ILogger<VastOrphanSweeper> logger) : BackgroundService
{
    // When Vast gives no start date, age counts from the first sweep that saw the instance.
    private readonly Dictionary<long, DateTimeOffset> _firstSeen = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.SweepEnabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.CurrentValue.SweepInterval, time);
        string? failing = null;
        do
        {
            try
            {
                await SweepOnceAsync(stoppingToken).ConfigureAwait(false);
                if (failing is not null)
                {
                    logger.SweepRecovered();
                    failing = null;
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // A failed sweep must not stop the host: the next one retries. The same failure again (a rejected key
                // stays rejected) is not news, so it is an error once and then only a debug line per sweep.
                if (exception.Message == failing)
                {
                    logger.SweepStillFailing(exception.Message);
                }
                else
                {
                    logger.SweepFailed(exception.Message);
                    failing = exception.Message;
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Runs one sweep.</summary>
    public async Task<SweepReport> SweepOnceAsync(CancellationToken cancellationToken)
    {
        if (!claims.IsSynced)
        {
            logger.SweepWaitingForClaims();
            return SweepReport.NotSynced;
        }

        var settings = options.CurrentValue;
        var prefix = VastInstanceLabel.ClusterPrefix(settings.ClusterName);
        var now = time.GetUtcNow();
        int listed = 0, ours = 0, claimed = 0, young = 0;
        var orphans = new List<(long Id, VastInstanceLabel Label, TimeSpan Age)>();
        var seen = new HashSet<long>();
        await foreach (var instance in vast.ListInstancesAsync(null, cancellationToken).ConfigureAwait(false))
        {
            listed++;
            seen.Add(instance.Id);
            if (instance.Label?.StartsWith(prefix, StringComparison.Ordinal) != true)
            {
                continue;
            }

            if (!VastInstanceLabel.TryParse(instance.Label, out var label) || label.Cluster != settings.ClusterName)
            {
                logger.MalformedLabel(instance.Id, instance.Label);
                continue;
            }

            ours++;
            var age = now - (instance.StartedAt ?? FirstSeen(instance.Id, now));
            if (await claims.IsClaimedAsync(new InstanceClaim(instance.Id, label), cancellationToken).ConfigureAwait(false))
            {
                claimed++;
            }
            else if (age < settings.SweepGracePeriod)
            {
                young++;
            }
            else
            {
                orphans.Add((instance.Id, label, age));
            }
        }

        foreach (var id in _firstSeen.Keys.Where(id => !seen.Contains(id)).ToList())
        {
            _firstSeen.Remove(id);
        }

        var destroyed = new List<long>();
        var failed = new List<long>();
        foreach (var (id, label, age) in orphans)
        {
            logger.OrphanFound(id, label.ToString(), age.TotalMinutes);
            try
            {
                await vast.DestroyAsync(id, cancellationToken).ConfigureAwait(false);
                destroyed.Add(id);
            }
            catch (VastApiException exception) when (exception is not VastAuthenticationException)
            {
                logger.OrphanSurvived(id, exception.Message);
                failed.Add(id);
            }
        }

        logger.SweepCompleted(listed, ours, claimed, young, destroyed.Count, failed.Count);
        return new SweepReport(listed, ours, claimed, young, destroyed, failed, Skipped: false);
    }

    private DateTimeOffset FirstSeen(long instanceId, DateTimeOffset now)
    {
        if (!_firstSeen.TryGetValue(instanceId, out var first))
        {
            _firstSeen[instanceId] = first = now;
        }

        return first;
    }
}
