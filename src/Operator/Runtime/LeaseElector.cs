using k8s;
using k8s.Models;
using LoraTrainer.Cluster;

namespace LoraTrainer.Operator.Runtime;

/// <summary>
/// Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it: candidates try to take
/// the Lease every RetryPeriod; another holder's claim counts as live for LeaseDuration after this replica last saw it
/// change (this replica's clock, never the holder's timestamps); the leader renews every RetryPeriod and gives up
/// when no renewal succeeds within RenewDeadline. Every write is an update guarded by the resourceVersion read, so
/// two candidates never both win.
/// </summary>
internal sealed class LeaseElector(IKubernetes client, string @namespace, LeaderElectionOptions settings, string identity, TimeProvider time)
{
    private V1Lease? _lease;
    private (string? Holder, DateTime? RenewTime, string? ResourceVersion) _observed;
    private DateTimeOffset _observedAt;

    /// <summary>
    /// Waits until this replica holds the Lease, calls <paramref name="startedLeading"/>, then renews until a renewal
    /// deadline passes (returns: leadership is lost) or <paramref name="cancellationToken"/> is cancelled (throws).
    /// <paramref name="newLeader"/> hears of every other holder this replica sees.
    /// </summary>
    public async Task RunUntilLeadershipLostAsync(Action startedLeading, Action<string> newLeader, CancellationToken cancellationToken)
    {
        while (!await TryAcquireOrRenewAsync(newLeader, cancellationToken).ConfigureAwait(false))
        {
            await Task.Delay(settings.RetryPeriod, time, cancellationToken).ConfigureAwait(false);
        }

        startedLeading();
        while (await RenewWithinDeadlineAsync(newLeader, cancellationToken).ConfigureAwait(false))
        {
            await Task.Delay(settings.RetryPeriod, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Hands the Lease back when this replica still holds it (at shutdown, after its work has finished), so a standby
    /// takes over at its next try instead of after LeaseDuration. Best effort: a failure leaves the Lease to expire.
    /// </summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        if (_lease?.Spec?.HolderIdentity != identity)
        {
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        _lease.Spec.HolderIdentity = null;
        _lease.Spec.LeaseDurationSeconds = 1;
        _lease.Spec.RenewTime = now;
        _lease.Spec.AcquireTime = now;
        try
        {
            await client.CoordinationV1.ReplaceNamespacedLeaseAsync(Writable(_lease), settings.LeaseName, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is k8s.Autorest.HttpOperationException or HttpRequestException or OperationCanceledException)
        {
            // Nothing to do: the Lease expires after LeaseDuration and a standby takes it then.
        }
    }

    /// <summary>Retries the renewal every RetryPeriod until it succeeds (true) or RenewDeadline has passed since this round began (false).</summary>
    private async Task<bool> RenewWithinDeadlineAsync(Action<string> newLeader, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(settings.RenewDeadline, time);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            while (!await TryAcquireOrRenewAsync(newLeader, bounded.Token).ConfigureAwait(false))
            {
                await Task.Delay(settings.RetryPeriod, time, bounded.Token).ConfigureAwait(false);
            }

            return true;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>One attempt to create, take over or renew the Lease; false when another replica holds it or the API failed.</summary>
    private async Task<bool> TryAcquireOrRenewAsync(Action<string> newLeader, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        try
        {
            var current = await ReadAsync(cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                _lease = await client.CoordinationV1.CreateNamespacedLeaseAsync(NewLease(now), @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                return true;
            }

            var spec = current.Spec ??= new V1LeaseSpec();
            Observe(current, now, newLeader);
            var heldByOther = !string.IsNullOrEmpty(spec.HolderIdentity) && spec.HolderIdentity != identity;
            if (heldByOther && now < _observedAt + TimeSpan.FromSeconds(spec.LeaseDurationSeconds ?? 0))
            {
                return false;
            }

            if (spec.HolderIdentity != identity)
            {
                // A new holder, whether the Lease was another's or handed back empty: one more transition.
                spec.AcquireTime = now.UtcDateTime;
                spec.LeaseTransitions = (spec.LeaseTransitions ?? 0) + 1;
            }

            spec.HolderIdentity = identity;
            spec.LeaseDurationSeconds = LeaseSeconds;
            spec.RenewTime = now.UtcDateTime;
            _lease = await client.CoordinationV1.ReplaceNamespacedLeaseAsync(Writable(current), settings.LeaseName, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is k8s.Autorest.HttpOperationException or HttpRequestException)
        {
            // A conflict (another candidate wrote first), a refusal or an unreachable server: try again next period.
            return false;
        }
    }

    /// <summary>
    /// The Lease as read, without its <c>managedFields</c>: the API server keeps them when an update leaves them out,
    /// and their <c>fieldsV1</c> is free-form JSON that the client's generated serializer cannot write back (a Native
    /// AOT build has no reflection to fall back on).
    /// </summary>
    private static V1Lease Writable(V1Lease lease)
    {
        lease.Metadata.ManagedFields = null;
        return lease;
    }

    private async Task<V1Lease?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoordinationV1.ReadNamespacedLeaseAsync(settings.LeaseName, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (KubernetesApiException.From(ex, "get lease") is ResourceNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Notes when the Lease's record last changed, on this replica's clock, and who holds it now.</summary>
    private void Observe(V1Lease lease, DateTimeOffset now, Action<string> newLeader)
    {
        var record = (lease.Spec.HolderIdentity, lease.Spec.RenewTime, lease.Metadata?.ResourceVersion);
        if (record == _observed)
        {
            return;
        }

        if (record.HolderIdentity != _observed.Holder && !string.IsNullOrEmpty(record.HolderIdentity) && record.HolderIdentity != identity)
        {
            newLeader(record.HolderIdentity);
        }

        _observed = record;
        _observedAt = now;
    }

    /// <summary>The Lease stores whole seconds (the options insist on at least one).</summary>
    private int LeaseSeconds => (int)Math.Ceiling(settings.LeaseDuration.TotalSeconds);

    private V1Lease NewLease(DateTimeOffset now) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",
        Metadata = new V1ObjectMeta { Name = settings.LeaseName, NamespaceProperty = @namespace },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = identity,
            LeaseDurationSeconds = LeaseSeconds,
            AcquireTime = now.UtcDateTime,
            RenewTime = now.UtcDateTime,
            LeaseTransitions = 0,
        },
    };
}
