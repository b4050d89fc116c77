using System.Globalization;
using LoraTrainer.Api;
using LoraTrainer.Operator.Vast.Instances;
using LoraTrainer.Testing;
using LoraTrainer.Testing.Vast;

namespace LoraTrainer.Benchmarks.Money;

/// <summary>One leaked instance, from when it became eligible (created + grace).</summary>
/// <param name="Found">The start (its listing at Vast) of the sweep that destroyed it.</param>
/// <param name="Destroyed">Its DELETE at Vast.</param>
/// <param name="SweepsMissed">Sweeps that started after it was eligible and left it alone: 0 means the first one destroyed it.</param>
/// <param name="SparedAsYoung">Whether a sweep saw it before it was eligible and spared it.</param>
internal sealed record SweepSample(TimeSpan Found, TimeSpan Destroyed, int SweepsMissed, bool SparedAsYoung);

/// <summary>What the sweeps did to the instance of a live run: it must still be running.</summary>
internal sealed record LiveRunCheck(string InstanceId, bool StillRunning, int DeletesOfIt, int Sweeps);

/// <summary>
/// Measurement 4 on one stack with the orphan sweep on a short interval and grace period: a live run holds its
/// instance while leaked instances (this cluster's label, a run uid no TrainingRun has) appear at random moments.
/// Times from when each became eligible (created + grace) to the start of the sweep that destroyed it and to its DELETE.
/// </summary>
internal sealed class SweepScenario(MoneyStack stack, TimeSpan interval, TimeSpan grace)
{
    private const string LiveRun = "live";

    /// <summary>An RTX 3060 offer: too small for SDXL, so no run rents it and destroying a leak there frees nothing a run holds.</summary>
    private const long LeakOffer = 30_000_005;

    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);
    private string? _liveInstance;

    /// <summary>Applies the live run and waits until it holds an instance and the sweep runs.</summary>
    public async Task StartLiveRunAsync(string datasetPrefix, CancellationToken cancellationToken)
    {
        var applied = TimeProvider.System.GetUtcNow();
        await stack.ApplyAsync(MoneyRuns.Run(LiveRun, stack.Name, datasetPrefix), cancellationToken);
        var run = await stack.Kube.WaitForAsync<TrainingRun>(MoneyStack.Namespace, LiveRun, r => r.Status?.Gpu?.InstanceId is not null, StepTimeout, cancellationToken);
        _liveInstance = run.Status!.Gpu!.InstanceId!;
        var agent = new SimulatedGpuAgent(stack.Agents, stack.Vast.Instance(long.Parse(_liveInstance, CultureInfo.InvariantCulture))!.Env);
        await agent.BootAsync(cancellationToken);
        await Eventually.UntilAsync(() => SweepStarts(applied, DateTimeOffset.MaxValue).Count > 0, StepTimeout, $"{stack.Name}: a sweep",
            interval: Measuring.Poll.Interval, cancellationToken: cancellationToken);
    }

    /// <summary>Leaks one instance at a random moment of the sweep cycle and waits for its DELETE.</summary>
    public async Task<SweepSample> RunOnceAsync(CancellationToken cancellationToken)
    {
        // A random phase of the sweep cycle, so the figures cover the whole interval rather than one lucky offset.
        await Task.Delay(interval * Random.Shared.NextDouble(), TimeProvider.System, cancellationToken);
        var created = TimeProvider.System.GetUtcNow();
        var label = new VastInstanceLabel(MoneySettings.ClusterName, Guid.NewGuid().ToString(), 1);
        var id = stack.Vast.SeedInstance(LeakOffer, label.ToString(), created);
        var destroy = await stack.WaitForDestroyAsync(id.ToString(CultureInfo.InvariantCulture), created, interval * 3 + StepTimeout, cancellationToken);
        var eligible = Truncated(created) + grace;
        var sweeps = SweepStarts(eligible, destroy.At);
        if (sweeps is [])
        {
            throw new InvalidOperationException($"{stack.Name}: leak {id} was destroyed, but by no sweep");
        }

        return new SweepSample(sweeps[^1] - eligible, destroy.At - eligible, sweeps.Count - 1, SweepStarts(created, eligible).Count > 0);
    }

    /// <summary>After the leaks: the live run's instance must never have been destroyed.</summary>
    public LiveRunCheck CheckLiveRun(DateTimeOffset since)
    {
        var id = _liveInstance ?? throw new InvalidOperationException("the live run was not started");
        var alive = stack.Vast.Instance(long.Parse(id, CultureInfo.InvariantCulture)) is { DestroyedAt: null }
            && stack.Run(LiveRun).Status?.Gpu is { InstanceId: var held, ReleasedAt: null } && held == id;
        var deletes = stack.Vast.RequestsTo(VastRoute.Destroy).Count(r => r.Path.TrimEnd('/').EndsWith($"/{id}", StringComparison.Ordinal));
        return new LiveRunCheck(id, alive, deletes, SweepStarts(since, DateTimeOffset.MaxValue).Count);
    }

    /// <summary>When sweeps listed the account between two moments: sweeps list every instance, the operator's own lookups filter by label.</summary>
    private List<DateTimeOffset> SweepStarts(DateTimeOffset from, DateTimeOffset until) =>
        [.. stack.Vast.RequestsTo(VastRoute.List).Where(r => r.At >= from && r.At < until && !r.Query.Contains("select_filters", StringComparison.Ordinal)).Select(r => r.At)];

    /// <summary>Vast reports <c>start_date</c> in milliseconds, and the sweep counts age from it.</summary>
    private static DateTimeOffset Truncated(DateTimeOffset at) => DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds());
}
