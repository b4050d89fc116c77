using LoraTrainer.Api;
using LoraTrainer.Testing.Kubernetes;

namespace LoraTrainer.Benchmarks.Money;

/// <summary>
/// Watches one TrainingRun inside the Kubernetes API fake and notes the wall-clock moment each condition first held,
/// i.e. when the write that made it true was stored. Start it before the action, await it after.
/// </summary>
internal sealed class RunMilestones
{
    private readonly Dictionary<string, DateTimeOffset> _reached = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, Func<TrainingRun, bool>> _conditions;
    private readonly Task _watching;

    private RunMilestones(FakeKubeApiServer kube, string @namespace, string name, IReadOnlyDictionary<string, Func<TrainingRun, bool>> conditions,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        _conditions = conditions;
        // The fake subscribes before this call returns, so no change made afterwards is missed.
        _watching = kube.WaitForAsync<TrainingRun>(@namespace, name, Observe, timeout, cancellationToken);
    }

    /// <summary>Starts watching <paramref name="name"/> for every named condition.</summary>
    public static RunMilestones Start(FakeKubeApiServer kube, string @namespace, string name, IReadOnlyDictionary<string, Func<TrainingRun, bool>> conditions,
        TimeSpan timeout, CancellationToken cancellationToken) =>
        new(kube, @namespace, name, conditions, timeout, cancellationToken);

    /// <summary>Waits until every condition has held once and returns when each first did.</summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> ReachedAsync()
    {
        await _watching;
        lock (_reached)
        {
            return new Dictionary<string, DateTimeOffset>(_reached, StringComparer.Ordinal);
        }
    }

    private bool Observe(TrainingRun run)
    {
        var now = TimeProvider.System.GetUtcNow();
        lock (_reached)
        {
            foreach (var (label, condition) in _conditions)
            {
                if (!_reached.ContainsKey(label) && condition(run))
                {
                    _reached[label] = now;
                }
            }

            return _reached.Count == _conditions.Count;
        }
    }
}
